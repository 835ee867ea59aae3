"""A/B test evidence: sample-ratio check, significance test, lift, power, and an mSPRT sequential test.

Everything is computed from per-variant sufficient statistics (units, conversions; or n, mean, sd), so
per-unit data and per-variant totals give the same numbers.

- **Sample-ratio mismatch (SRM)**: Pearson chi-square goodness of fit of the units per variant against
  the planned split (`scipy.stats.chisquare`), over every variant in the plan. `srm_alpha` (0.001 by
  default, the usual SRM threshold) decides; a mismatch makes the verdict "invalid".
- **Conversion** (`metric="conversion"`, outcome 0/1): two-proportion z-test with the pooled variance
  (equal to `statsmodels.stats.proportion.proportions_ztest([k_t, k_c], [n_t, n_c])`); the absolute
  lift p_t - p_c with the Wald interval (statsmodels `confint_proportions_2indep(method="wald")`), the
  relative lift p_t / p_c - 1 with the log-ratio interval (`compare="ratio", method="log"`, minus 1).
- **Mean** (`metric="mean"`): Welch's t-test (equal to `scipy.stats.ttest_ind(equal_var=False)`); the
  absolute lift with the Welch–Satterthwaite t interval, the relative lift with a delta-method
  normal interval.
- **Power and MDE**: statsmodels' `NormalIndPower` (= `zt_ind_solve_power`), two-sided, with
  nobs1 = treatment units and ratio = control / treatment units. The effect size it is given is
  Cohen's h = 2·asin(√p_t) − 2·asin(√p_c) for conversion (statsmodels `proportion_effectsize`) and
  Cohen's d = lift / pooled sd for means. `power` is the power at the observed effect (post hoc: it
  says how sensitive the test was, not whether the effect is real); `mde` is the smallest absolute
  lift detectable with probability `power` at `alpha`, converted back from h or d to the metric's
  units.
- **Sequential test (mSPRT)**: the mixture sequential probability ratio test of Johari, Pekelis and
  Walsh ("Always valid inference", 2017) on the difference θ = μ_t − μ_c, normal approximation with
  plug-in variance V = σ²(1/n_t + 1/n_c) (σ² the pooled per-unit variance: p̄(1−p̄) for conversion),
  and mixing distribution θ ~ N(0, τ²) with τ = `mixing_sd` × σ (default 0.1: effects of the order of
  a tenth of a standard deviation, a "small" effect in Cohen's terms). The likelihood ratio after each
  look is Λ = √(V/(V+τ²)) · exp(θ̂² τ² / (2V(V+τ²))), and the always-valid p-value is the running
  minimum of 1/Λ over the looks. Under the null P(any Λ ≥ 1/α) ≤ α however often one looks (Ville's
  inequality), so peeking does not inflate false positives. Per-unit data are looked at `looks`
  times, at equally spaced prefixes of the rows in file order (or `order` column order); totals give
  one look (still valid, only less powerful than the running minimum would be).

Verdict (`summary["verdict"]`):
    1. "invalid" when the SRM check fails (p < srm_alpha): the split is broken, no result stands;
    2. otherwise the deciding p-value is the always-valid mSPRT p-value when `sequential="msprt"`
       (the default: safe under peeking), the fixed-horizon test's p-value when `sequential=None`;
    3. "win" when it is < alpha and the lift is in the better direction (`higher_is_better`),
       "lose" when it is < alpha and the lift is in the worse direction, "inconclusive" otherwise
       (including a lift of exactly 0).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from governance.errors import InputError
from governance.evidence.stage import Measurement, StageResult, logical_name

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

METRICS = ("conversion", "mean")
SEQUENTIAL = ("msprt", None)
VERDICTS = ("win", "lose", "inconclusive", "invalid")
DEFAULT_LOOKS = 20


# ---------------------------------------------------------------------------------------------------
# per-variant sufficient statistics


class _Arm:
    __slots__ = ("n", "total", "sumsq")

    def __init__(self, n: int, total: float, sumsq: float) -> None:
        self.n, self.total, self.sumsq = n, total, sumsq

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def var(self) -> float:  # sample variance (ddof=1)
        if self.n < 2:
            return 0.0
        return max(0.0, (self.sumsq - self.total * self.total / self.n) / (self.n - 1))


def _normalise_plan(
    planned_split: dict[str, float] | None, control: str, treatment: str, where: str
) -> dict[str, float]:
    plan = dict(planned_split) if planned_split else {control: 0.5, treatment: 0.5}
    for name in (control, treatment):
        if name not in plan:
            raise InputError(f"variant {name!r} is not in the planned traffic split {sorted(plan)}", where=where)
    total = 0.0
    for name, share in plan.items():
        if not isinstance(share, int | float) or isinstance(share, bool) or not math.isfinite(share) or share <= 0:
            raise InputError(f"planned share of variant {name!r} must be a positive number, got {share!r}", where=where)
        total += float(share)
    return {str(k): float(v) / total for k, v in plan.items()}


def _check_options(metric: str, sequential: str | None, alpha: float, power: float, where: str) -> None:
    if metric not in METRICS:
        raise InputError(f"metric must be one of {METRICS}, got {metric!r}", where=where)
    if sequential not in SEQUENTIAL:
        raise InputError(f"sequential must be 'msprt' or None, got {sequential!r}", where=where)
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be in (0, 1), got {alpha}", where=where)
    if not 0 < power < 1:
        raise InputError(f"power must be in (0, 1), got {power}", where=where)


# ---------------------------------------------------------------------------------------------------
# the pieces, each checkable against statsmodels / SciPy


def srm_check(units: dict[str, int], plan: dict[str, float]) -> dict[str, Any]:
    """Chi-square goodness of fit of the units per planned variant against the planned shares."""
    from scipy import stats  # type: ignore[import-untyped]

    names = list(plan)
    observed = np.array([units.get(n, 0) for n in names], dtype=float)
    expected = np.array([plan[n] for n in names]) * observed.sum()
    if len(names) < 2:
        return {
            "chi2": 0.0,
            "p_value": 1.0,
            "df": 0,
            "observed": units,
            "expected": dict(zip(names, expected.tolist(), strict=True)),
        }
    res = stats.chisquare(observed, expected)
    return {
        "chi2": float(res.statistic),
        "p_value": float(res.pvalue),
        "df": len(names) - 1,
        "observed": {n: int(units.get(n, 0)) for n in names},
        "expected": dict(zip(names, [float(e) for e in expected], strict=True)),
    }


def normal_ind_power(effect_size: float, nobs1: float, alpha: float, ratio: float) -> float:
    """statsmodels `NormalIndPower().power(effect_size, nobs1, alpha, ratio, alternative="two-sided")`."""
    from scipy import stats

    nobs = 1.0 / (1.0 / nobs1 + 1.0 / (nobs1 * ratio))
    d = abs(effect_size) * math.sqrt(nobs)
    crit = float(stats.norm.isf(alpha / 2))
    return float(stats.norm.sf(crit - d) + stats.norm.cdf(-crit - d))


def normal_ind_mde(nobs1: float, alpha: float, power: float, ratio: float) -> float:
    """The effect size (h or d) `NormalIndPower().solve_power(None, nobs1, alpha, power, ratio)` returns."""
    from scipy import optimize

    hi = 1.0
    while normal_ind_power(hi, nobs1, alpha, ratio) < power:
        hi *= 2.0
        if hi > 1e6:  # pragma: no cover - needs a fraction of a unit
            return math.inf
    return float(optimize.brentq(lambda es: normal_ind_power(es, nobs1, alpha, ratio) - power, 0.0, hi, xtol=1e-12))


def msprt(diff: np.ndarray, var: np.ndarray, tau2: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """mSPRT likelihood ratio Λ and always-valid p-value (running minimum of 1/Λ) along the last axis.

    `diff` the estimated difference at each look, `var` its variance, `tau2` the mixing variance;
    looks with var <= 0 (no information yet) have Λ = 1."""
    diff = np.asarray(diff, dtype=float)
    var = np.asarray(var, dtype=float)
    tau2 = np.broadcast_to(np.asarray(tau2, dtype=float), var.shape)
    ok = (var > 0) & (tau2 > 0)
    v = np.where(ok, var, 1.0)
    t2 = np.where(ok, tau2, 0.0)
    log_lr = 0.5 * np.log(v / (v + t2)) + diff * diff * t2 / (2.0 * v * (v + t2))
    log_lr = np.where(ok, log_lr, 0.0)
    p_each = np.minimum(1.0, np.exp(-log_lr))
    return np.exp(log_lr), np.minimum.accumulate(p_each, axis=-1)


def _wilson(k: float, n: float, confidence: float) -> tuple[float, float]:
    from scipy import stats

    z = float(stats.norm.isf((1 - confidence) / 2))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


# ---------------------------------------------------------------------------------------------------
# the analysis


def _analyse(
    arms: dict[str, _Arm],
    looks: list[tuple[_Arm, _Arm]],
    *,
    metric: str,
    control: str,
    treatment: str,
    plan: dict[str, float],
    alpha: float,
    power: float,
    sequential: str | None,
    srm_alpha: float,
    mixing_sd: float,
    higher_is_better: bool,
    where: str,
) -> tuple[list[Measurement], dict[str, Any]]:
    from scipy import stats

    for name in arms:
        if name not in plan:
            raise InputError(f"variant {name!r} is missing from the traffic plan {sorted(plan)}", where=where)
    for name in plan:
        if name not in arms or arms[name].n == 0:
            raise InputError(f"variant {name!r} has zero units", where=where)
    c, t = arms[control], arms[treatment]
    if c.n < 2 or t.n < 2:
        raise InputError("control and treatment need at least 2 units each", where=where)
    confidence = 1 - alpha
    zq = float(stats.norm.isf(alpha / 2))

    srm = srm_check({k: a.n for k, a in arms.items()}, plan)
    srm["alpha"] = srm_alpha
    srm["passed"] = bool(srm["p_value"] >= srm_alpha)

    measurements: list[Measurement] = []
    ratio = c.n / t.n
    if metric == "conversion":
        pc, pt = c.mean, t.mean
        pooled = (c.total + t.total) / (c.n + t.n)
        se0 = math.sqrt(pooled * (1 - pooled) * (1 / c.n + 1 / t.n))
        diff = pt - pc
        if se0 > 0:
            statistic = diff / se0
            p_value = float(2 * stats.norm.sf(abs(statistic)))
        else:
            statistic, p_value = 0.0, 1.0
        se = math.sqrt(pt * (1 - pt) / t.n + pc * (1 - pc) / c.n)
        lift_ci = (diff - zq * se, diff + zq * se)
        if pc > 0 and pt > 0:
            rel = pt / pc - 1
            se_log = math.sqrt((1 - pt) / (t.n * pt) + (1 - pc) / (c.n * pc))
            rel_ci: tuple[float | None, float | None] = (
                math.exp(math.log(pt / pc) - zq * se_log) - 1,
                math.exp(math.log(pt / pc) + zq * se_log) - 1,
            )
        else:
            rel = (pt / pc - 1) if pc > 0 else math.nan
            rel_ci = (None, None)
        effect = 2 * math.asin(math.sqrt(pt)) - 2 * math.asin(math.sqrt(pc))
        effect_name = "cohen_h"
        h_mde = normal_ind_mde(t.n, alpha, power, ratio)
        base = 2 * math.asin(math.sqrt(pc))
        mde = math.sin(min(math.pi, base + h_mde) / 2) ** 2 - pc
        sigma2 = pooled * (1 - pooled)
        test = "two-proportion z-test (pooled variance)"
        for name, arm in ((control, c), (treatment, t)):
            lo, hi = _wilson(arm.total, arm.n, confidence)
            measurements.append(
                Measurement(
                    "conversion_rate",
                    arm.mean,
                    lo,
                    hi,
                    subject=name,
                    n=arm.n,
                    higher_is_better=higher_is_better,
                    detail={"conversions": int(arm.total), "interval": "wilson"},
                )
            )
        df: float | None = None
    else:
        vc, vt = c.var, t.var
        se = math.sqrt(vt / t.n + vc / c.n)
        diff = t.mean - c.mean
        if se > 0:
            res = stats.ttest_ind_from_stats(t.mean, math.sqrt(vt), t.n, c.mean, math.sqrt(vc), c.n, equal_var=False)
            statistic, p_value = float(res.statistic), float(res.pvalue)
            df = (vt / t.n + vc / c.n) ** 2 / ((vt / t.n) ** 2 / (t.n - 1) + (vc / c.n) ** 2 / (c.n - 1))
            tq = float(stats.t.isf(alpha / 2, df))
        else:
            df, tq = None, 0.0
            statistic, p_value = 0.0, 1.0
        lift_ci = (diff - tq * se, diff + tq * se)
        if c.mean != 0:
            rel = diff / c.mean
            se_rel = math.sqrt(vt / t.n / c.mean**2 + t.mean**2 * vc / c.n / c.mean**4)
            rel_ci = (rel - zq * se_rel, rel + zq * se_rel)
        else:
            rel, rel_ci = math.nan, (None, None)
        pooled_sd = math.sqrt(((t.n - 1) * vt + (c.n - 1) * vc) / (t.n + c.n - 2))
        effect = diff / pooled_sd if pooled_sd > 0 else 0.0
        effect_name = "cohen_d"
        mde = normal_ind_mde(t.n, alpha, power, ratio) * pooled_sd
        sigma2 = pooled_sd**2
        test = "Welch's t-test"
        for name, arm in ((control, c), (treatment, t)):
            half = float(stats.t.isf(alpha / 2, arm.n - 1)) * math.sqrt(arm.var / arm.n)
            measurements.append(
                Measurement(
                    "mean",
                    arm.mean,
                    arm.mean - half,
                    arm.mean + half,
                    subject=name,
                    n=arm.n,
                    higher_is_better=higher_is_better,
                    detail={"sd": math.sqrt(arm.var), "interval": "t"},
                )
            )
    achieved = normal_ind_power(effect, t.n, alpha, ratio)
    # treatment units that would give `power` at the observed effect (same plan ratio; one-tail approximation)
    if effect != 0:
        z_sum = float(stats.norm.isf(alpha / 2) + stats.norm.ppf(power))
        needed: int | None = math.ceil((z_sum / abs(effect)) ** 2 * (1 + 1 / ratio))
    else:
        needed = None

    seq: dict[str, Any] | None = None
    seq_p: float | None = None
    if sequential == "msprt":
        tau2 = (mixing_sd**2) * sigma2
        d_looks, v_looks = [], []
        for lc, lt in looks:
            if metric == "conversion":
                pool = (lc.total + lt.total) / (lc.n + lt.n) if lc.n + lt.n else 0.0
                var = pool * (1 - pool) * (1 / lc.n + 1 / lt.n) if lc.n and lt.n else 0.0
            else:
                n2 = lc.n + lt.n
                if lc.n >= 2 and lt.n >= 2:
                    sd2 = ((lt.n - 1) * lt.var + (lc.n - 1) * lc.var) / (n2 - 2)
                    var = sd2 * (1 / lc.n + 1 / lt.n)
                else:
                    var = 0.0
            d_looks.append(lt.mean - lc.mean if lc.n and lt.n else 0.0)
            v_looks.append(var)
        lr, p_av = msprt(np.array(d_looks), np.array(v_looks), tau2)
        seq_p = float(p_av[-1])
        seq = {
            "method": "mSPRT (normal mixture, Johari et al. 2017)",
            "mixing_sd": mixing_sd,
            "tau2": tau2,
            "looks": len(looks),
            "p_value": seq_p,
            "likelihood_ratio": float(lr[-1]),
            "rejects": bool(seq_p < alpha),
        }

    decide_p = seq_p if seq_p is not None else p_value
    better = diff > 0 if higher_is_better else diff < 0
    worse = diff < 0 if higher_is_better else diff > 0
    if not srm["passed"]:
        verdict = "invalid"
    elif decide_p < alpha and better:
        verdict = "win"
    elif decide_p < alpha and worse:
        verdict = "lose"
    else:
        verdict = "inconclusive"

    test_detail = {
        "test": test,
        "statistic": statistic,
        "p_value": p_value,
        "df": df,
        "interval": "wald" if metric == "conversion" else "welch t",
    }
    measurements += [
        Measurement(
            "lift", diff, lift_ci[0], lift_ci[1], n=c.n + t.n, higher_is_better=higher_is_better, detail=test_detail
        ),
        Measurement(
            "relative_lift",
            None if math.isnan(rel) else rel,
            rel_ci[0],
            rel_ci[1],
            n=c.n + t.n,
            higher_is_better=higher_is_better,
            detail={"interval": "log ratio" if metric == "conversion" else "delta method"},
        ),
        Measurement("p_value", p_value, n=c.n + t.n, higher_is_better=False, detail={"test": test}),
        Measurement(
            "srm_p_value",
            srm["p_value"],
            n=sum(a.n for a in arms.values()),
            higher_is_better=True,
            detail={"chi2": srm["chi2"], "df": srm["df"]},
        ),
        Measurement(
            "power", achieved, n=c.n + t.n, higher_is_better=True, detail={effect_name: effect, "at": "observed effect"}
        ),
        Measurement(
            "mde",
            mde,
            n=c.n + t.n,
            higher_is_better=False,
            detail={"power": power, "alpha": alpha, "units": "absolute lift"},
        ),
    ]
    if seq is not None:
        measurements.append(
            Measurement("sequential_p_value", seq_p, n=c.n + t.n, higher_is_better=False, detail=dict(seq))
        )

    summary: dict[str, Any] = {
        "verdict": verdict,
        "rule": (
            "invalid if SRM p < srm_alpha; else win/lose if the deciding p-value "
            f"({'mSPRT always-valid' if sequential else 'fixed-horizon'}) < alpha with the lift in the better/worse "
            "direction; else inconclusive"
        ),
        "metric": metric,
        "control": control,
        "treatment": treatment,
        "alpha": alpha,
        "higher_is_better": higher_is_better,
        "srm": srm,
        "test": test_detail,
        "lift": diff,
        "relative_lift": None if math.isnan(rel) else rel,
        "power": achieved,
        "power_target": power,
        "deciding_p_value": decide_p,
        "treatment_units_needed": needed,
        # units per variant (the larger arm under the same split) that would decide it at `power`
        "required_n": None if needed is None else max(needed, math.ceil(needed * ratio)),
        "mde": mde,
        "effect_size": {effect_name: effect, "power_solver": "statsmodels NormalIndPower (two-sided)"},
        "sequential": seq,
        "variants": {k: {"units": a.n, "mean": a.mean} for k, a in arms.items()},
    }
    return measurements, summary


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value (so that messages read 2, not np.int64(2))."""
    return value.item() if isinstance(value, np.generic) else value


def _looks_of(codes: np.ndarray, y: np.ndarray, ic: int, it: int, looks: int) -> list[tuple[_Arm, _Arm]]:
    """Cumulative (control, treatment) statistics at `looks` equally spaced prefixes of the rows: one
    bincount per segment, so O(rows) whatever the number of looks."""
    n = len(y)
    cuts = sorted({max(1, round(n * (i + 1) / looks)) for i in range(max(1, looks))})
    k = int(codes.max()) + 1 if n else 1
    acc = np.zeros((3, k))
    out: list[tuple[_Arm, _Arm]] = []
    start = 0
    for cut in cuts:
        seg_c, seg_y = codes[start:cut], y[start:cut]
        acc[0] += np.bincount(seg_c, minlength=k)
        acc[1] += np.bincount(seg_c, weights=seg_y, minlength=k)
        acc[2] += np.bincount(seg_c, weights=seg_y * seg_y, minlength=k)
        start = cut
        out.append(
            (
                _Arm(int(acc[0, ic]), float(acc[1, ic]), float(acc[2, ic])),
                _Arm(int(acc[0, it]), float(acc[1, it]), float(acc[2, it])),
            )
        )
    return out


def abtest_from_units(
    frame: pd.DataFrame,
    *,
    variant: str,
    outcome: str,
    control: str,
    treatment: str,
    planned_split: dict[str, float] | None = None,
    metric: str = "conversion",
    alpha: float = 0.05,
    power: float = 0.8,
    sequential: str | None = "msprt",
    srm_alpha: float = 0.001,
    mixing_sd: float = 0.1,
    looks: int = DEFAULT_LOOKS,
    order: str | None = None,
    higher_is_better: bool = True,
    where: str = "data",
) -> tuple[list[Measurement], dict[str, Any]]:
    """A/B test from per-unit rows: one row per unit, its variant and its outcome (see module doc)."""
    _check_options(metric, sequential, alpha, power, where)
    for col in (variant, outcome) + ((order,) if order else ()):
        if col not in frame.columns:
            raise InputError(f"column {col!r} not found (columns: {', '.join(map(str, frame.columns))})", where=where)
    plan = _normalise_plan(planned_split, control, treatment, where)
    if order:
        frame = frame.sort_values(order, kind="stable")
    import pandas as pd

    if frame[variant].isna().any():
        raise InputError(f"column {variant!r} has empty values", where=where)
    col = frame[outcome]
    y_series = (
        col
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        else pd.to_numeric(col, errors="coerce")
    )
    y = np.asarray(y_series, dtype=float)
    finite = np.isfinite(y)
    if not finite.all():
        bad = _plain(col.iloc[int(np.flatnonzero(~finite)[0])])
        raise InputError(f"column {outcome!r} has a value that is not a finite number: {bad!r}", where=where)
    if metric == "conversion":
        binary = (y == 0) | (y == 1)
        if not binary.all():
            bad = _plain(col.iloc[int(np.flatnonzero(~binary)[0])])
            raise InputError(f"column {outcome!r} must be 0/1 for metric conversion, found {bad!r}", where=where)
    codes, uniques = pd.factorize(frame[variant], sort=True)
    names = [str(u) for u in uniques]
    if len(set(names)) != len(names):
        raise InputError(f"column {variant!r} has variants that differ only in type (e.g. 1 and '1')", where=where)
    units = np.bincount(codes, minlength=len(names))
    sums = np.bincount(codes, weights=y, minlength=len(names))
    sumsq = np.bincount(codes, weights=y * y, minlength=len(names))
    arms = {name: _Arm(int(units[i]), float(sums[i]), float(sumsq[i])) for i, name in enumerate(names)}
    for name in (control, treatment):
        if name not in arms:
            raise InputError(f"variant {name!r} has zero units (column {variant!r})", where=where)
    look_list = _looks_of(codes, y, names.index(control), names.index(treatment), looks) if sequential else []
    return _analyse(
        arms,
        look_list,
        metric=metric,
        control=control,
        treatment=treatment,
        plan=plan,
        alpha=alpha,
        power=power,
        sequential=sequential,
        srm_alpha=srm_alpha,
        mixing_sd=mixing_sd,
        higher_is_better=higher_is_better,
        where=where,
    )


def _number(value: Any, field: str, where: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not math.isfinite(float(value))
    ):
        raise InputError(f"field {field} must be a finite number, got {value!r}", where=where)
    return float(value)


def abtest_from_counts(
    counts: dict[str, dict[str, Any]],
    *,
    control: str,
    treatment: str,
    planned_split: dict[str, float] | None = None,
    metric: str | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    sequential: str | None = "msprt",
    srm_alpha: float = 0.001,
    mixing_sd: float = 0.1,
    higher_is_better: bool = True,
    where: str = "counts",
) -> tuple[list[Measurement], dict[str, Any]]:
    """A/B test from per-variant totals: {"units", "conversions"} (conversion) or {"n", "mean", "std"} (mean).

    `metric` is inferred from the keys when not given. The sequential test sees one look (the totals)."""
    if not counts:
        raise InputError("no variants given", where=where)
    first = next(iter(counts.values()))
    if metric is None:
        metric = "conversion" if isinstance(first, dict) and "conversions" in first else "mean"
    _check_options(metric, sequential, alpha, power, where)
    plan = _normalise_plan(planned_split, control, treatment, where)
    arms: dict[str, _Arm] = {}
    for name, rec in counts.items():
        if not isinstance(rec, dict):
            raise InputError(f"variant {name!r}: expected an object of totals, got {type(rec).__name__}", where=where)
        if metric == "conversion":
            for key in ("units", "conversions"):
                if key not in rec:
                    raise InputError(f"variant {name!r}: field {key!r} is missing", where=where)
            n = _number(rec["units"], f"{name}.units", where)
            k = _number(rec["conversions"], f"{name}.conversions", where)
            if n != int(n) or k != int(k) or n < 0 or not 0 <= k <= n:
                raise InputError(
                    f"variant {name!r}: conversions {k:g} must be an integer between 0 and units {n:g}", where=where
                )
            arms[str(name)] = _Arm(int(n), k, k)
        else:
            for key in ("n", "mean", "std"):
                if key not in rec:
                    raise InputError(f"variant {name!r}: field {key!r} is missing", where=where)
            n = _number(rec["n"], f"{name}.n", where)
            mean = _number(rec["mean"], f"{name}.mean", where)
            sd = _number(rec["std"], f"{name}.std", where)
            if n != int(n) or n < 0 or sd < 0:
                raise InputError(f"variant {name!r}: n must be a non-negative integer and std >= 0", where=where)
            total = mean * n
            sumsq = sd * sd * (n - 1) + total * total / n if n else 0.0
            arms[str(name)] = _Arm(int(n), total, sumsq)
    for name in (control, treatment):
        if name not in arms:
            raise InputError(f"variant {name!r} has zero units (not in the totals)", where=where)
    look_list = [(arms[control], arms[treatment])] if sequential else []
    return _analyse(
        arms,
        look_list,
        metric=metric,
        control=control,
        treatment=treatment,
        plan=plan,
        alpha=alpha,
        power=power,
        sequential=sequential,
        srm_alpha=srm_alpha,
        mixing_sd=mixing_sd,
        higher_is_better=higher_is_better,
        where=where,
    )


def _read_table(path: Path) -> pd.DataFrame:
    import pandas as pd

    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except FileNotFoundError:
        raise InputError("file not found", where=str(path)) from None
    except Exception as exc:  # noqa: BLE001 - pandas raises many kinds; one line for the user
        raise InputError(f"cannot read as a table: {' '.join(str(exc).split())[:200]}", where=str(path)) from None


def abtest_from_file(
    path: str,
    *,
    counts: bool = False,
    variant: str = "variant",
    outcome: str = "outcome",
    control: str = "control",
    treatment: str = "treatment",
    planned_split: dict[str, float] | None = None,
    metric: str | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    sequential: str | None = "msprt",
    srm_alpha: float = 0.001,
    mixing_sd: float = 0.1,
    looks: int = DEFAULT_LOOKS,
    order: str | None = None,
    higher_is_better: bool = True,
    data_source: str | None = None,
) -> StageResult:
    """A/B test evidence from a file: per-unit rows (CSV/Parquet), or with `counts=True` per-variant totals
    (CSV with a `variant` column and units,conversions or n,mean,std columns; or a JSON object
    variant -> totals)."""
    import scipy

    from governance import __version__
    from governance.digest import file_sha256

    p = Path(path)
    where = str(p)
    if not p.is_file():
        raise InputError("file not found", where=where)
    digest = file_sha256(p)
    if counts:
        if p.suffix.lower() == ".json":
            from governance import jsonsafe

            try:
                data = jsonsafe.loads(p.read_bytes())
            except InputError as exc:
                raise InputError(exc.one_line(), where=where) from None
            if not isinstance(data, dict):
                raise InputError("expected a JSON object variant -> totals", where=where)
            totals: dict[str, dict[str, Any]] = data
        else:
            table = _read_table(p)
            if variant not in table.columns:
                raise InputError(f"column {variant!r} not found", where=where)
            totals = {str(r[variant]): {k: v for k, v in r.items() if k != variant} for r in table.to_dict("records")}
        ms, summary = abtest_from_counts(
            totals,
            control=control,
            treatment=treatment,
            planned_split=planned_split,
            metric=metric,
            alpha=alpha,
            power=power,
            sequential=sequential,
            srm_alpha=srm_alpha,
            mixing_sd=mixing_sd,
            higher_is_better=higher_is_better,
            where=where,
        )
        rows = sum(int(v.get("units", v.get("n", 0))) for v in totals.values())
    else:
        frame = _read_table(p)
        ms, summary = abtest_from_units(
            frame,
            variant=variant,
            outcome=outcome,
            control=control,
            treatment=treatment,
            planned_split=planned_split,
            metric=metric or "conversion",
            alpha=alpha,
            power=power,
            sequential=sequential,
            srm_alpha=srm_alpha,
            mixing_sd=mixing_sd,
            looks=looks,
            order=order,
            higher_is_better=higher_is_better,
            where=where,
        )
        rows = len(frame)
    return StageResult(
        kind="abtest",
        measurements=tuple(ms),
        summary=summary,
        row_count=rows,
        data_digest=digest,
        digest_scope="file",
        data_source=data_source or logical_name(p),
        source="computed",
        tool_version=f"gov {__version__}; scipy {scipy.__version__}",
        confidence=1 - alpha,
    )
