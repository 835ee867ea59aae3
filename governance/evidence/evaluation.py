"""From a confusion table to the full fairness result: per-group metrics, between-group metrics with
bootstrap intervals, aif360 pairwise comparisons and the four-fifths rule. Pure: no I/O, no store."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from governance.errors import InputError
from governance.evidence import metrics as m
from governance.evidence.bootstrap import METHOD, Interval, percentile_interval, resample
from governance.evidence.catalog import CONVENTIONS, PAIRWISE_DEFINITIONS, MetricSpec, applicable
from governance.evidence.confusion import ConfusionTable
from governance.evidence.counts import FN, FP, TN, TP

SCHEMA = "gov.fairness/1"
GROUP_RATES = ("base_rate", "selection_rate", "tpr", "fpr", "tnr", "fnr", "ppv", "accuracy")


# Bounds on the derived work one evaluation may ask for (docs/trust.md); the facet schema says the same.
MAX_RESAMPLES = 10_000
MAX_GROUPS = 1_000


@dataclass(frozen=True)
class Settings:
    """How to evaluate: the privileged group, small-group policy and bootstrap."""

    privileged: str | None = None
    min_group_size: int = 30
    include_small_groups: bool = False
    bootstrap: int = 1000
    seed: int | None = 0
    confidence: float = 0.95

    def check(self) -> None:
        if self.min_group_size < 0:
            raise InputError("the minimum group size must be >= 0", where="min_group_size")
        if not 0 <= self.bootstrap <= MAX_RESAMPLES:
            raise InputError(
                f"the number of bootstrap resamples must be in [0, {MAX_RESAMPLES}], got {self.bootstrap}",
                where="bootstrap",
            )
        if self.seed is not None and not 0 <= self.seed < 2**31:
            raise InputError(f"the seed must be in [0, 2^31), got {self.seed}", where="seed")
        if not 0.0 < self.confidence < 1.0:
            raise InputError(f"confidence must be between 0 and 1, got {self.confidence}", where="confidence")


def parse_privileged(text: str, sensitive: tuple[str, ...]) -> dict[str, str]:
    """'Caucasian' (one sensitive column) or 'race=Caucasian,sex=Male' -> {column: value}."""
    if "=" not in text:
        if len(sensitive) != 1:
            raise InputError(
                f"with several sensitive columns name the privileged group as COL=VALUE[,COL=VALUE], got {text!r}",
                where="privileged",
            )
        return {sensitive[0]: text}
    selector: dict[str, str] = {}
    for part in text.split(","):
        column, sep, value = part.partition("=")
        column = column.strip()
        if not sep or column not in sensitive:
            raise InputError(f"{part!r} does not name a sensitive column ({', '.join(sensitive)})", where="privileged")
        selector[column] = value
    return selector


def privileged_mask(table: ConfusionTable, selector: dict[str, str]) -> np.ndarray:
    """Groups matching the selector. Both the privileged and the unprivileged group must have rows."""
    positions = [table.sensitive.index(c) for c in selector]
    mask = np.array([all(g[p] == selector[c] for p, c in zip(positions, selector, strict=True)) for g in table.groups])
    shown = ",".join(f"{c}={v}" for c, v in selector.items())
    if not mask.any():
        values = {c: sorted({g[p] for g in table.groups}) for p, c in zip(positions, selector, strict=True)}
        known = "; ".join(f"{c}: {', '.join(v[:20])}" for c, v in values.items())
        raise InputError(f"the privileged group {shown} is empty: no row matches it ({known})", where="privileged")
    if mask.all():
        raise InputError(
            f"the unprivileged group is empty: every row is in the privileged group {shown}",
            where="privileged",
        )
    return mask


def _num(x: Any) -> float | None:
    value = float(x)
    return value if math.isfinite(value) else None


def _interval(iv: Interval | None) -> dict[str, Any]:
    if iv is None:
        return {"ci": None, "undefined_resamples": None}
    ci = None if iv.low is None else [iv.low, iv.high]
    return {"ci": ci, "undefined_resamples": iv.undefined}


def _count_dict(row: np.ndarray) -> dict[str, int]:
    return {"tp": int(row[TP]), "fp": int(row[FP]), "fn": int(row[FN]), "tn": int(row[TN])}


def evaluate(table: ConfusionTable, settings: Settings, *, intervals: bool = True) -> dict[str, Any]:
    """The results document (JSON-ready) for one confusion table. With `intervals=False` the bootstrap
    is left out (every `ci` is None, `bootstrap.method` is "pending"): ingest stores that, and
    governance.evidence.intervals computes the intervals later."""
    settings.check()
    selector = parse_privileged(settings.privileged, table.sensitive) if settings.privileged else None
    priv = privileged_mask(table, selector) if selector else None
    sizes = table.counts.sum(axis=1)
    small = sizes < settings.min_group_size
    included = np.ones_like(small) if settings.include_small_groups else ~small
    notes = []
    if not included.any():
        included = np.ones_like(small)
        notes.append(
            f"every group is below the minimum size {settings.min_group_size}; "
            "all groups were included in max-min aggregates"
        )
    design = m.Design(included=included, privileged=priv)
    sample = m.Sample(table.counts, table.score_sum)
    boot = None
    if settings.bootstrap > 0 and intervals:
        boot = resample(table.counts, settings.bootstrap, settings.seed, table.score_sum, table.score_sq)
    specs = applicable(priv is not None, table.score_sum is not None)
    results: dict[str, Any] = {
        "schema": SCHEMA,
        "rows": table.rows,
        "sensitive": list(table.sensitive),
        "favorable_label": table.favorable,
        "predicted_favorable": list(table.predicted_favorable),
        "label_values": list(table.label_values),
        "privileged": _privileged(table, selector, priv),
        "min_group_size": settings.min_group_size,
        "small_groups": "included" if settings.include_small_groups or notes else "excluded",
        "groups": _groups(table, small, included, priv),
        "overall": _overall(table),
        "metrics": {spec.key: _metric(spec, sample, design, boot, settings.confidence) for spec in specs},
        "pairwise": _pairwise(table, sample, design, boot, settings.confidence) if priv is not None else None,
        "four_fifths": _four_fifths(table, sample, design, boot, settings.confidence),
        "bootstrap": {
            "method": METHOD if boot is not None else ("pending" if settings.bootstrap > 0 else "none"),
            "resamples": settings.bootstrap,
            "seed": settings.seed,
            "confidence": settings.confidence,
        },
        "conventions": dict(CONVENTIONS),
        "notes": notes + _notes(table, small, included, priv is not None),
    }
    return results


def _privileged(
    table: ConfusionTable, selector: dict[str, str] | None, priv: np.ndarray | None
) -> dict[str, Any] | None:
    if selector is None or priv is None:
        return None
    return {"selector": selector, "groups": [table.group_name(int(i)) for i in np.flatnonzero(priv)]}


def _groups(
    table: ConfusionTable, small: np.ndarray, included: np.ndarray, priv: np.ndarray | None
) -> list[dict[str, Any]]:
    per = m.rates(table.counts)
    gen = m.generalized_rates(m.Sample(table.counts, table.score_sum)) if table.score_sum is not None else {}
    out = []
    for g, values in enumerate(table.groups):
        metrics = {name: _num(per[name][g]) for name in GROUP_RATES}
        metrics.update({name: _num(v[g]) for name, v in gen.items()})
        out.append(
            {
                "name": table.group_name(g),
                "values": dict(zip(table.sensitive, values, strict=True)),
                "count": int(per["count"][g]),
                "counts": _count_dict(table.counts[g]),
                "small": bool(small[g]),
                "included_in_aggregates": bool(included[g]),
                "privileged": None if priv is None else bool(priv[g]),
                "metrics": metrics,
                "undefined": [k for k, v in metrics.items() if v is None],
            }
        )
        if table.score_sum is not None and table.score_sq is not None:
            out[-1]["score_sum"] = _sum_dict(table.score_sum[g])
            out[-1]["score_sum_of_squares"] = _sum_dict(table.score_sq[g])
    return out


def _sum_dict(row: np.ndarray) -> dict[str, float]:
    return {"tp": float(row[TP]), "fp": float(row[FP]), "fn": float(row[FN]), "tn": float(row[TN])}


def _overall(table: ConfusionTable) -> dict[str, Any]:
    total = table.counts.sum(axis=0)
    per = m.rates(total)
    return {"counts": _count_dict(total), "metrics": {name: _num(per[name]) for name in GROUP_RATES}}


def _metric(
    spec: MetricSpec, sample: m.Sample, design: m.Design, boot: m.Sample | None, confidence: float
) -> dict[str, Any]:
    value = spec.compute(sample, design)
    interval = percentile_interval(spec.compute(boot, design), confidence)[0] if boot is not None else None
    return {
        "value": _num(value),
        **_interval(interval),
        "convention": spec.convention,
        "definition": spec.definition,
        "reference": spec.reference,
        "ideal": spec.ideal,
    }


def _pairwise(
    table: ConfusionTable, sample: m.Sample, design: m.Design, boot: m.Sample | None, confidence: float
) -> dict[str, Any]:
    assert design.privileged is not None
    point = m.pairwise_aif360(sample, design)
    replicas = m.pairwise_aif360(boot, design) if boot is not None else None
    groups: dict[str, Any] = {}
    for g in np.flatnonzero(~design.privileged):
        entry = {}
        for name, values in point.items():
            iv = percentile_interval(replicas[name][:, g], confidence)[0] if replicas is not None else None
            entry[name] = {"value": _num(values[g]), **_interval(iv)}
        groups[table.group_name(int(g))] = entry
    return {
        "convention": "aif360",
        "reference": "the privileged group",
        "definitions": dict(PAIRWISE_DEFINITIONS),
        "groups": groups,
    }


def _four_fifths(
    table: ConfusionTable, sample: m.Sample, design: m.Design, boot: m.Sample | None, confidence: float
) -> dict[str, Any]:
    ratios = m.impact_ratios(sample, design)
    replicas = m.impact_ratios(boot, design) if boot is not None else None
    selection = m.rates(table.counts)["selection_rate"]
    masked = np.where(design.included, selection, -np.inf)
    reference = int(np.argmax(masked))
    entries, adverse = {}, []
    for g in np.flatnonzero(design.included):
        iv = percentile_interval(replicas[:, g], confidence)[0] if replicas is not None else None
        value = _num(ratios[g])
        entries[table.group_name(int(g))] = {"value": value, **_interval(iv)}
        if value is not None and value < m.FOUR_FIFTHS:
            adverse.append(table.group_name(int(g)))
    defined = [e["value"] for e in entries.values() if e["value"] is not None]
    return {
        "threshold": m.FOUR_FIFTHS,
        "reference_group": table.group_name(reference),
        "passes": (not adverse) if defined else None,
        "adverse_impact": adverse,
        "impact_ratios": entries,
    }


def _notes(table: ConfusionTable, small: np.ndarray, included: np.ndarray, has_priv: bool) -> list[str]:
    notes = []
    if small.any():
        names = ", ".join(table.group_name(int(g)) for g in np.flatnonzero(small))
        fate = "included in" if included[small].all() else "excluded from"
        notes.append(
            f"{int(small.sum())} group(s) below the minimum size: {names}; reported, flagged and "
            f"{fate} max-min aggregates (fairlearn.*, four_fifths.*)"
        )
    if not has_priv:
        notes.append(
            "no privileged group given (--privileged): aif360 group metrics were not computed, except the theil index"
        )
    return notes
