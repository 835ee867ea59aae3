"""From raw cells to a confusion table: resolve the favorable label, binarise, group by sensitive values."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from governance.errors import InputError
from governance.evidence.counts import FN, FP, TN, TP, RawCells, label_token

_DEFAULT_FAVORABLE = ({"0", "1"}, "1"), ({"false", "true"}, "true")


@dataclass(frozen=True)
class ConfusionTable:
    """Per-group confusion counts, favorable label = positive class.

    `counts[g]` is [TP, FP, FN, TN] of group `groups[g]` (a tuple of sensitive values, in the order of
    `sensitive`). `score_sum`/`score_sq` hold per-cell sums of the score and of its square, if a score
    column was given.
    """

    sensitive: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    counts: np.ndarray
    favorable: str
    predicted_favorable: tuple[str, ...]
    label_values: tuple[str, ...]
    score_sum: np.ndarray | None = None
    score_sq: np.ndarray | None = None

    @property
    def rows(self) -> int:
        return int(self.counts.sum())

    def group_name(self, index: int) -> str:
        return group_name(self.sensitive, self.groups[index])

    def group_index(self, name: str) -> int:
        """The index of a group by its display name (as in the output)."""
        for i in range(len(self.groups)):
            if self.group_name(i) == name:
                return i
        raise InputError(f"no group named {name!r}")


def group_name(sensitive: Sequence[str], values: Sequence[str]) -> str:
    """'Caucasian' for one sensitive column; 'race=Caucasian, sex=Male' for several."""
    if len(sensitive) == 1:
        return values[0]
    return ", ".join(f"{c}={v}" for c, v in zip(sensitive, values, strict=True))


def _listed(values: set[str]) -> str:
    return ", ".join(repr(v) for v in sorted(values))


def natural_key(values: tuple[str, ...]) -> tuple[tuple[int, float, str], ...]:
    """Sort numbers by value and text alphabetically, so groups come out in a stable, readable order."""
    out = []
    for v in values:
        try:
            number = float(v)
            out.append((0, number if math.isfinite(number) else 0.0, v))
        except ValueError:
            out.append((1, 0.0, v))
    return tuple(out)


def resolve_favorable(label_tokens: set[str], favorable: str | None, *, label: str) -> str:
    """The favorable label token: the one given (it must be a label value), or 1/true for 0-1 labels."""
    values = ", ".join(repr(v) for v in sorted(label_tokens))
    if favorable is not None:
        token = label_token(favorable)
        if token not in label_tokens and len(label_tokens) >= 2:
            raise InputError(
                f"favorable value {favorable!r} is not a value of label column {label!r} (values: {values})",
                where="favorable",
            )
        return token
    for allowed, default in _DEFAULT_FAVORABLE:
        if label_tokens <= allowed:
            return default
    raise InputError(
        f"label column {label!r} has values {values}: which one is favorable?",
        where="favorable",
        hint="pass --favorable VALUE",
    )


def binarise(
    raw: RawCells, favorable: str | None = None, predicted_favorable: Sequence[str] | None = None
) -> ConfusionTable:
    """Map labels and predictions to favorable/unfavorable; sum the cells into groups x [TP, FP, FN, TN]."""
    roles = raw.roles
    if not raw.sums or raw.rows == 0:
        raise InputError("the data has no rows", where="data")
    k = len(roles.sensitive)
    label_tokens = {label_token(key[k]) for key in raw.sums}
    if len(label_tokens) > 2:
        raise InputError(
            f"label column {roles.label!r} is not binary: values {', '.join(repr(v) for v in sorted(label_tokens))}",
            where=roles.label,
        )
    pred_texts = {key[k + 1] for key in raw.sums}
    if predicted_favorable is None:
        pred_tokens = {label_token(t) for t in pred_texts}
        union = label_tokens | pred_tokens
        if len(union) > 2:
            raise InputError(
                f"prediction column {roles.prediction!r} has values {_listed(pred_tokens)} "
                f"and label column {roles.label!r} has {', '.join(repr(v) for v in sorted(label_tokens))}: "
                "predictions must take the label's two values",
                where=roles.prediction,
                hint="or name the favorable predictions with --predicted-favorable",
            )
        fav = resolve_favorable(union, favorable, label=roles.label)
        pred_fav_tokens = {fav}
        shown_pred_fav: tuple[str, ...] = (fav,)
    else:
        fav = resolve_favorable(label_tokens, favorable, label=roles.label)
        pred_fav_tokens = {label_token(v) for v in predicted_favorable}
        if not any(label_token(t) in pred_fav_tokens for t in pred_texts):
            raise InputError(
                f"none of {', '.join(repr(v) for v in predicted_favorable)} occurs in prediction "
                f"column {roles.prediction!r} (values: {', '.join(sorted(pred_texts)[:10])})",
                where="predicted_favorable",
            )
        shown_pred_fav = tuple(predicted_favorable)
    groups = sorted({key[:k] for key in raw.sums}, key=natural_key)
    index = {g: i for i, g in enumerate(groups)}
    counts = np.zeros((len(groups), 4), dtype=np.int64)
    score_sum = np.zeros((len(groups), 4))
    score_sq = np.zeros((len(groups), 4))
    for key, (rows, s, sq) in raw.sums.items():
        y = label_token(key[k]) == fav
        yhat = label_token(key[k + 1]) in pred_fav_tokens
        cell = (TP if yhat else FN) if y else (FP if yhat else TN)
        g = index[key[:k]]
        counts[g, cell] += int(rows)
        score_sum[g, cell] += s
        score_sq[g, cell] += sq
    has_score = roles.score is not None
    return ConfusionTable(
        sensitive=roles.sensitive,
        groups=tuple(groups),
        counts=counts,
        favorable=fav,
        predicted_favorable=shown_pred_fav,
        label_values=tuple(sorted(label_tokens)),
        score_sum=score_sum if has_score else None,
        score_sq=score_sq if has_score else None,
    )
