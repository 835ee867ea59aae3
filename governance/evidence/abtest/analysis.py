"""The A/B test analysis of per-variant statistics: measurements, summary and verdict.

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
from typing import Any

import numpy as np

from governance.errors import InputError
from governance.evidence.abtest.arms import _Arm
from governance.evidence.abtest.stat_tests import _wilson, msprt, normal_ind_mde, normal_ind_power, srm_check
from governance.evidence.stage import Measurement


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
    from scipy import stats  # type: ignore[import-untyped]

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
