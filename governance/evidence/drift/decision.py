"""The deciding test per column (Evidently 0.7's default unless one is forced), its thresholds, the
per-column measurements and decision, and the Benjamini-Hochberg correction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from governance.evidence.drift.reduced_columns import _Column
from governance.evidence.drift.stat_tests import _chisquare, _jensenshannon, _ks, _psi, _wasserstein, _z
from governance.evidence.stage import Measurement

# Evidently's defaults: test -> (threshold, drifted when score is "le" | "lt" | "ge" the threshold)
TESTS: dict[str, tuple[float, str]] = {
    "ks": (0.05, "le"),
    "chisquare": (0.05, "lt"),
    "z": (0.05, "lt"),
    "jensenshannon": (0.1, "ge"),
    "wasserstein": (0.1, "ge"),
    "psi": (0.1, "ge"),
}
P_VALUE_TESTS = frozenset({"ks", "chisquare", "z"})
SMALL_SAMPLE = 1000  # Evidently switches from tests to distances above this many reference rows


def default_test(col: _Column) -> str:
    """The test Evidently's DataDriftPreset picks for this column (by type, rows and distinct values)."""

    n_values = len(col.keys)  # every key occurs in one window at least
    small_binary = "chisquare" if n_values > 2 else "z"
    if col.n_ref <= SMALL_SAMPLE:
        if col.kind == "numeric":
            return small_binary if n_values <= 5 else "ks"
        return small_binary
    if col.kind == "numeric":
        return "jensenshannon" if n_values <= 5 else "wasserstein"
    return "jensenshannon"


def _drifted(score: float, threshold: float, rule: str) -> bool:
    if rule == "le":
        return score <= threshold
    if rule == "lt":
        return score < threshold
    return score >= threshold


def benjamini_hochberg(p_values: Sequence[float], alpha: float) -> tuple[list[float], list[bool]]:
    """Adjusted p-values and rejections, equal to statsmodels' `multipletests(method="fdr_bh")`."""
    import numpy as np

    p = np.asarray(p_values, dtype="float64")
    if len(p) == 0:
        return [], []
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    adjusted_sorted = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    adjusted = np.empty_like(adjusted_sorted)
    adjusted[order] = adjusted_sorted
    return [float(a) for a in adjusted], [bool(a <= alpha) for a in adjusted]


def _measure(
    col: _Column, method: str, threshold: float | None, bins: int | str
) -> tuple[list[Measurement], dict[str, Any]]:
    counts = {"n_reference": col.n_ref, "n_current": col.n_cur, "type": col.kind}
    out: list[Measurement] = []
    scores: dict[str, float] = {}
    psi = _psi(col, bins)
    out.append(Measurement("psi", psi, subject=col.name, n=col.n_cur, higher_is_better=False, detail=dict(counts)))
    scores["psi"] = psi
    js = _jensenshannon(col, bins)
    scores["jensenshannon"] = js
    test = default_test(col) if method == "auto" else method
    if col.kind == "numeric":
        d, p = _ks(col)
        out.append(
            Measurement("ks", d, subject=col.name, n=col.n_cur, higher_is_better=False, detail={**counts, "p_value": p})
        )
        scores["ks"] = p
        wn, raw = _wasserstein(col)
        out.append(
            Measurement(
                "wasserstein",
                wn,
                subject=col.name,
                n=col.n_cur,
                higher_is_better=False,
                detail={**counts, "raw": raw, "normalised_by": "max(std(reference, ddof=0), 0.001)"},
            )
        )
        scores["wasserstein"] = wn
    if col.kind == "categorical" or test == "chisquare":
        stat, p, dof = _chisquare(col)
        out.append(
            Measurement(
                "chisquare",
                stat,
                subject=col.name,
                n=col.n_cur,
                higher_is_better=False,
                detail={**counts, "p_value": p, "dof": dof},
            )
        )
        scores["chisquare"] = p
    out.append(
        Measurement("jensenshannon", js, subject=col.name, n=col.n_cur, higher_is_better=False, detail=dict(counts))
    )
    if test == "z":
        z, p = _z(col)
        out.append(
            Measurement("z", z, subject=col.name, n=col.n_cur, higher_is_better=False, detail={**counts, "p_value": p})
        )
        scores["z"] = p
    default, rule = TESTS[test]
    used = default if threshold is None else float(threshold)
    score = scores[test]
    decision = {
        "test": test,
        "threshold": used,
        "score": score,
        "score_is": "p_value" if test in P_VALUE_TESTS else "distance",
        "drifted_when": {"le": "score <= threshold", "lt": "score < threshold", "ge": "score >= threshold"}[rule],
        "drifted": _drifted(score, used, rule),
        **counts,
    }
    return out, decision
