"""A/B test evidence: equal to statsmodels / SciPy, SRM, the sequential test under peeking, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
)

from governance.errors import InputError
from governance.evidence.abtest import (
    abtest_from_counts,
    abtest_from_file,
    abtest_from_units,
    msprt,
    srm_check,
)

KW = {"variant": "variant", "outcome": "outcome", "control": "control", "treatment": "treatment"}


def _units(n: int, p_c: float, p_t: float, seed: int, share_t: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    v = np.where(rng.random(n) < share_t, "treatment", "control")
    y = (rng.random(n) < np.where(v == "treatment", p_t, p_c)).astype(int)
    return pd.DataFrame({"variant": v, "outcome": y})


def _m(ms: list, name: str, subject: str | None = None):  # type: ignore[no-untyped-def]
    return next(m for m in ms if m.name == name and m.subject == subject)


def test_conversion_equals_statsmodels() -> None:
    df = _units(6000, 0.10, 0.125, seed=3)
    ms, s = abtest_from_units(df, **KW, sequential=None)
    t, c = df[df.variant == "treatment"].outcome, df[df.variant == "control"].outcome
    kt, nt, kc, nc = int(t.sum()), len(t), int(c.sum()), len(c)
    z, p = proportions_ztest([kt, kc], [nt, nc])
    assert s["test"]["statistic"] == pytest.approx(z, rel=1e-12)
    assert s["test"]["p_value"] == pytest.approx(p, rel=1e-10)
    lift = _m(ms, "lift")
    assert lift.value == pytest.approx(kt / nt - kc / nc, rel=1e-12)
    lo, hi = confint_proportions_2indep(kt, nt, kc, nc, method="wald", compare="diff")
    assert (lift.low, lift.high) == (pytest.approx(lo, rel=1e-10), pytest.approx(hi, rel=1e-10))
    lo, hi = confint_proportions_2indep(kt, nt, kc, nc, method="log", compare="ratio")
    rel = _m(ms, "relative_lift")
    assert (rel.low, rel.high) == (pytest.approx(lo - 1, rel=1e-10), pytest.approx(hi - 1, rel=1e-10))
    h = proportion_effectsize(kt / nt, kc / nc)
    assert s["power"] == pytest.approx(NormalIndPower().power(h, nt, 0.05, ratio=nc / nt), rel=1e-9)
    h_mde = NormalIndPower().solve_power(None, nobs1=nt, alpha=0.05, power=0.8, ratio=nc / nt)
    pc = kc / nc
    expected_mde = math.sin((2 * math.asin(math.sqrt(pc)) + h_mde) / 2) ** 2 - pc
    assert s["mde"] == pytest.approx(expected_mde, rel=1e-5)  # statsmodels solves to ~1e-6
    assert s["verdict"] == "win" and p < 0.05


def test_mean_equals_scipy_welch_and_power() -> None:
    rng = np.random.default_rng(5)
    v = np.where(rng.random(3000) < 0.4, "treatment", "control")
    y = rng.normal(10, np.where(v == "treatment", 4.0, 2.5)) + (v == "treatment") * 0.5
    df = pd.DataFrame({"variant": v, "outcome": y})
    ms, s = abtest_from_units(
        df, **KW, metric="mean", planned_split={"control": 0.6, "treatment": 0.4}, sequential=None
    )
    t, c = y[v == "treatment"], y[v == "control"]
    ref = stats.ttest_ind(t, c, equal_var=False)
    assert s["test"]["statistic"] == pytest.approx(ref.statistic, rel=1e-10)
    assert s["test"]["p_value"] == pytest.approx(ref.pvalue, rel=1e-8)
    ci = ref.confidence_interval(0.95)
    lift = _m(ms, "lift")
    assert (lift.low, lift.high) == (pytest.approx(ci.low, rel=1e-8), pytest.approx(ci.high, rel=1e-8))
    sd = math.sqrt(((len(t) - 1) * t.var(ddof=1) + (len(c) - 1) * c.var(ddof=1)) / (len(t) + len(c) - 2))
    d = (t.mean() - c.mean()) / sd
    assert s["power"] == pytest.approx(NormalIndPower().power(d, len(t), 0.05, ratio=len(c) / len(t)), rel=1e-9)
    d_mde = NormalIndPower().solve_power(None, nobs1=len(t), alpha=0.05, power=0.8, ratio=len(c) / len(t))
    assert s["mde"] == pytest.approx(d_mde * sd, rel=1e-5)
    assert s["srm"]["passed"] and s["verdict"] == "win"


def test_counts_equal_units() -> None:
    df = _units(4000, 0.2, 0.18, seed=11)
    ms_u, s_u = abtest_from_units(df, **KW, sequential=None)
    g = df.groupby("variant").outcome.agg(["count", "sum"])
    counts = {k: {"units": int(r["count"]), "conversions": int(r["sum"])} for k, r in g.iterrows()}
    ms_c, s_c = abtest_from_counts(counts, control="control", treatment="treatment", sequential=None)
    for a, b in zip(ms_u, ms_c, strict=True):
        assert a.name == b.name and a.value == pytest.approx(b.value, rel=1e-12, nan_ok=True)
    assert s_u["verdict"] == s_c["verdict"]


def test_mean_counts_equal_scipy_from_stats() -> None:
    counts = {"control": {"n": 500, "mean": 3.0, "std": 1.2}, "treatment": {"n": 510, "mean": 3.3, "std": 1.4}}
    _, s = abtest_from_counts(counts, control="control", treatment="treatment", sequential=None)
    ref = stats.ttest_ind_from_stats(3.3, 1.4, 510, 3.0, 1.2, 500, equal_var=False)
    assert s["test"]["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert s["metric"] == "mean"


def test_srm_equals_scipy_and_makes_the_verdict_invalid() -> None:
    # a big, significant lift but a 55/45 split where 50/50 was planned
    df = _units(20000, 0.10, 0.14, seed=7, share_t=0.45)
    ms, s = abtest_from_units(df, **KW)
    n = df.variant.value_counts()
    ref = stats.chisquare([n["control"], n["treatment"]], [len(df) / 2, len(df) / 2])
    assert s["srm"]["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert _m(ms, "srm_p_value").value == pytest.approx(ref.pvalue, rel=1e-9)
    assert s["srm"]["passed"] is False
    assert s["verdict"] == "invalid"
    # the same data against the plan it followed is a win
    _, s2 = abtest_from_units(df, **KW, planned_split={"control": 55, "treatment": 45})
    assert s2["srm"]["passed"] and s2["verdict"] == "win"


def test_srm_three_variants() -> None:
    out = srm_check({"a": 1000, "b": 1000, "c": 1100}, {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    assert out["p_value"] == pytest.approx(stats.chisquare([1000, 1000, 1100]).pvalue)
    assert out["df"] == 2


def test_lose_and_inconclusive() -> None:
    _, s = abtest_from_units(_units(20000, 0.12, 0.09, seed=1), **KW)
    assert s["verdict"] == "lose"
    _, s = abtest_from_units(_units(2000, 0.10, 0.10, seed=2), **KW)
    assert s["verdict"] == "inconclusive"
    # lower is better (e.g. a churn rate): the same drop is a win
    _, s = abtest_from_units(_units(20000, 0.12, 0.09, seed=1), **KW, higher_is_better=False)
    assert s["verdict"] == "win"


def test_sequential_p_value_is_running_minimum_over_looks() -> None:
    df = _units(4000, 0.10, 0.11, seed=9)
    _, s = abtest_from_units(df, **KW, looks=10)
    v, y = df.variant.to_numpy(), df.outcome.to_numpy()
    d, var = [], []
    for cut in range(400, 4001, 400):
        vv, yy = v[:cut], y[:cut]
        nc, nt = (vv == "control").sum(), (vv == "treatment").sum()
        kc, kt = yy[vv == "control"].sum(), yy[vv == "treatment"].sum()
        p = (kc + kt) / cut
        d.append(kt / nt - kc / nc)
        var.append(p * (1 - p) * (1 / nc + 1 / nt))
    p_all = y.mean()
    tau2 = 0.01 * p_all * (1 - p_all)
    _, p_av = msprt(np.array(d), np.array(var), tau2)
    assert s["sequential"]["p_value"] == pytest.approx(p_av[-1], rel=1e-9)
    assert s["sequential"]["looks"] == 10


def test_peeking_under_the_null_mSPRT_keeps_alpha_naive_does_not() -> None:
    """300 A/A tests, 20 looks each: the mSPRT false-positive rate stays <= alpha within Monte-Carlo
    error; rejecting whenever any of the 20 fixed-horizon z-tests is significant does not."""
    rng = np.random.default_rng(2024)
    runs, n, looks, alpha = 300, 2000, 20, 0.05
    seq_fp = naive_fp = 0
    for _ in range(runs):
        v = np.where(rng.random(n) < 0.5, "control", "treatment")
        y = (rng.random(n) < 0.1).astype(int)
        _, s = abtest_from_units(pd.DataFrame({"variant": v, "outcome": y}), **KW, looks=looks)
        seq_fp += s["sequential"]["rejects"]
        for cut in range(n // looks, n + 1, n // looks):
            vv, yy = v[:cut], y[:cut]
            nc, nt = (vv == "control").sum(), (vv == "treatment").sum()
            kc, kt = yy[vv == "control"].sum(), yy[vv == "treatment"].sum()
            p = (kc + kt) / cut
            se = math.sqrt(p * (1 - p) * (1 / nc + 1 / nt))
            if se > 0 and 2 * stats.norm.sf(abs((kt / nt - kc / nc) / se)) < alpha:
                naive_fp += 1
                break
    mc = 2 * math.sqrt(alpha * (1 - alpha) / runs)
    assert seq_fp / runs <= alpha + mc
    assert naive_fp / runs > alpha + mc


def test_bad_inputs_one_line() -> None:
    df = _units(1000, 0.1, 0.1, seed=1)
    with pytest.raises(
        InputError, match="variant 'control' is missing from the traffic plan|'control' is not in the planned"
    ):
        abtest_from_units(df, **KW, planned_split={"treatment": 0.5, "other": 0.5})
    extra = pd.concat([df, pd.DataFrame({"variant": ["rogue"], "outcome": [1]})])
    with pytest.raises(InputError, match="'rogue' is missing from the traffic plan"):
        abtest_from_units(extra, **KW)
    with pytest.raises(InputError, match="'c' has zero units"):
        abtest_from_units(df, **KW, planned_split={"control": 1, "treatment": 1, "c": 1})
    with pytest.raises(InputError, match="zero units"):
        abtest_from_counts(
            {"control": {"units": 0, "conversions": 0}, "treatment": {"units": 10, "conversions": 1}},
            control="control",
            treatment="treatment",
        )
    bad = df.assign(outcome=df.outcome * 2)
    with pytest.raises(InputError, match="must be 0/1 for metric conversion"):
        abtest_from_units(bad, **KW)
    with pytest.raises(InputError, match="column 'nope' not found"):
        abtest_from_units(df, **{**KW, "outcome": "nope"})
    with pytest.raises(InputError, match="conversions 11 must be an integer between 0 and units 10"):
        abtest_from_counts(
            {"control": {"units": 10, "conversions": 11}, "treatment": {"units": 10, "conversions": 1}},
            control="control",
            treatment="treatment",
        )


def test_from_file_units_and_counts(tmp_path: Path) -> None:
    df = _units(3000, 0.1, 0.13, seed=4)
    f = tmp_path / "ab.csv"
    df.to_csv(f, index=False)
    r = abtest_from_file(str(f))
    assert r.kind == "abtest" and r.stage == "performance" and r.digest_scope == "file"
    assert r.row_count == 3000 and r.data_digest.startswith("sha256:")
    assert r.summary["verdict"] in ("win", "lose", "inconclusive", "invalid")
    assert r.measurement("lift") is not None
    c = tmp_path / "counts.json"
    c.write_text(
        json.dumps(
            {"control": {"units": 15000, "conversions": 1500}, "treatment": {"units": 15000, "conversions": 2000}}
        )
    )
    r2 = abtest_from_file(str(c), counts=True)
    assert r2.row_count == 30000 and r2.summary["verdict"] == "win"
    cc = tmp_path / "counts.csv"
    cc.write_text("variant,units,conversions\ncontrol,15000,1500\ntreatment,15000,2000\n")
    r3 = abtest_from_file(str(cc), counts=True)
    assert r3.summary["lift"] == pytest.approx(r2.summary["lift"])
    assert r3.to_dict()["kind"] == "abtest"
    json.dumps(r3.to_dict())  # JSON-ready
    with pytest.raises(InputError) as exc:
        abtest_from_file(str(tmp_path / "missing.csv"))
    assert "missing.csv" in exc.value.one_line()


def test_units_needed_matches_statsmodels_solve_power() -> None:
    counts = {"control": {"units": 1200, "conversions": 120}, "treatment": {"units": 800, "conversions": 92}}
    _, s = abtest_from_counts(counts, control="control", treatment="treatment")
    h = proportion_effectsize(92 / 800, 120 / 1200)
    ref = NormalIndPower().solve_power(h, nobs1=None, alpha=0.05, power=0.8, ratio=1200 / 800)
    assert abs(s["treatment_units_needed"] - ref) <= 1
    assert s["required_n"] == math.ceil(s["treatment_units_needed"] * 1200 / 800)  # the larger (control) arm
    assert s["deciding_p_value"] == s["sequential"]["p_value"]
