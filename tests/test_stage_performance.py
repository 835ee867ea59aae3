"""Performance evidence: point values equal scikit-learn / SciPy, bootstrap intervals agree with a slow
row bootstrap through scikit-learn within Monte-Carlo error, paired champion deltas, and bad inputs."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.stats import ks_2samp
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from governance.errors import InputError
from governance.evidence.performance import compute_performance, performance_from_file

TOL = 1e-9


def _data(n: int, seed: int, *, decimals: int | None = None, skew: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < skew).astype(np.int64)
    s = 1.0 / (1.0 + np.exp(-(rng.normal(0.0, 1.0, n) + 1.2 * (2 * y - 1))))
    if decimals is not None:
        s = np.round(s, decimals)  # ties
    return y, s


def _reference(y: np.ndarray, s: np.ndarray | None, p: np.ndarray) -> dict[str, float]:
    ref = {
        "accuracy": skm.accuracy_score(y, p),
        "precision": skm.precision_score(y, p),
        "recall": skm.recall_score(y, p),
        "f1": skm.f1_score(y, p),
    }
    if s is not None:
        auc = skm.roc_auc_score(y, s)
        prob_true, prob_pred = calibration_curve(y, s, n_bins=10, strategy="uniform")
        counts = np.bincount(np.searchsorted(np.linspace(0, 1, 11)[1:-1], s), minlength=10)
        counts = counts[counts > 0]
        ref.update(
            auc=auc,
            gini=2 * auc - 1,
            ks=ks_2samp(s[y == 1], s[y == 0]).statistic,
            log_loss=skm.log_loss(y, s),
            brier=skm.brier_score_loss(y, s),
            ece=float(np.sum(counts / len(y) * np.abs(prob_true - prob_pred))),
        )
    return {k: float(v) for k, v in ref.items()}


def _values(ms: list[Any]) -> dict[str, float]:
    return {m.name: m.value for m in ms}


CASES = [
    pytest.param(dict(n=500, seed=1), id="continuous"),
    pytest.param(dict(n=3000, seed=2, decimals=2), id="ties-2dp"),
    pytest.param(dict(n=2000, seed=3, decimals=1, skew=0.1), id="heavy-ties-imbalanced"),
    pytest.param(dict(n=50_000, seed=4, decimals=4), id="more-rows-than-bins"),
    pytest.param(dict(n=7, seed=5), id="tiny"),
]


@pytest.mark.parametrize("spec", CASES)
def test_point_values_equal_sklearn(spec: dict[str, Any]) -> None:
    y, s = _data(**spec)
    if y.min() == y.max():
        y[0] = 1 - y[0]
    ms, summary = compute_performance(y, s, resamples=0)
    got = _values(ms)
    ref = _reference(y, s, (s >= 0.5).astype(int))
    assert set(got) == set(ref)
    for name, value in ref.items():
        assert got[name] == pytest.approx(value, abs=TOL), name
    assert summary["rows"] == len(y) and summary["prediction"] == "score >= 0.5"


def test_scores_at_clip_edges_and_given_prediction() -> None:
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1])
    s = np.array([0.0, 1.0, 0.3, 0.3, 1e-20, 1.0, 0.5, 0.5])
    p = np.array([0, 1, 0, 1, 1, 0, 0, 1])  # not derived from the score
    ms, summary = compute_performance(y, s, p, threshold=0.9, resamples=0)
    got = _values(ms)
    for name, value in _reference(y, s, p).items():
        assert got[name] == pytest.approx(value, abs=TOL), name
    assert summary["prediction"] == "given"


def test_threshold_moves_the_prediction() -> None:
    y, s = _data(1000, 7)
    got = _values(compute_performance(y, s, threshold=0.8, resamples=0)[0])
    ref = _reference(y, s, (s >= 0.8).astype(int))
    assert got["recall"] == pytest.approx(ref["recall"], abs=TOL)
    assert got["recall"] < _values(compute_performance(y, s, resamples=0)[0])["recall"]


def test_prediction_only_and_business_cost() -> None:
    y, s = _data(800, 8)
    p = (s >= 0.4).astype(int)
    cost = {"tp": -5.0, "fp": 1.0, "tn": 0.0, "fn": 10.0}
    ms, _ = compute_performance(y, None, p, cost_matrix=cost, resamples=200, seed=1)
    got = _values(ms)
    assert set(got) == {"accuracy", "precision", "recall", "f1", "business_cost"}
    tn, fp, fn, tp = skm.confusion_matrix(y, p).ravel()
    assert got["business_cost"] == pytest.approx((-5 * tp + fp + 10 * fn) / len(y), abs=TOL)
    m = next(m for m in ms if m.name == "business_cost")
    assert m.higher_is_better is False and m.low is not None and m.high is not None and m.low < m.value < m.high


def _slow_bootstrap(
    y: np.ndarray, s: np.ndarray, b: int, seed: int, champion: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """The reference: resample rows, call scikit-learn / SciPy on each resample."""
    rng = np.random.default_rng(seed)
    out: dict[str, list[float]] = {}
    n = len(y)
    for _ in range(b):
        idx = rng.integers(0, n, n)
        yy, ss = y[idx], s[idx]
        ref = _reference(yy, ss, (ss >= 0.5).astype(int))
        if champion is not None:
            cc = champion[idx]
            champ = _reference(yy, cc, (cc >= 0.5).astype(int))
            ref = {k + ".delta": v - champ[k] for k, v in ref.items()}
        for k, v in ref.items():
            out.setdefault(k, []).append(v)
    return {k: np.asarray(v) for k, v in out.items()}


def _check_intervals(ms: list[Any], slow: dict[str, np.ndarray]) -> None:
    for m in ms:
        if m.name not in slow:
            continue
        lo, hi = np.quantile(slow[m.name], [0.025, 0.975])
        width = hi - lo
        # Monte-Carlo error of a 2.5% quantile from 200 resamples is ~0.05 width (normal case); allow 0.2 width
        assert m.low == pytest.approx(lo, abs=0.2 * width), (m.name, m.low, lo)
        assert m.high == pytest.approx(hi, abs=0.2 * width), (m.name, m.high, hi)
        assert 0.8 < (m.high - m.low) / width < 1.25, (m.name, m.high - m.low, width)  # width SE ~0.07
        assert m.low <= m.value <= m.high or m.name.startswith("ks") or m.name.startswith("ece")


@pytest.mark.parametrize("decimals", [None, 2])
def test_intervals_match_a_slow_sklearn_bootstrap(decimals: int | None) -> None:
    y, s = _data(3000, 11, decimals=decimals)
    ms, summary = compute_performance(y, s, resamples=1000, seed=5)
    assert summary["bootstrap"]["exact_groups"] == [decimals is not None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slow = _slow_bootstrap(y, s, 200, seed=9)
    _check_intervals(ms, slow)


def test_seed_reproducible_and_confidence_widens() -> None:
    y, s = _data(2000, 12)
    a, _ = compute_performance(y, s, resamples=300, seed=3)
    b, _ = compute_performance(y, s, resamples=300, seed=3)
    assert [m.to_dict() for m in a] == [m.to_dict() for m in b]
    wide, _ = compute_performance(y, s, resamples=300, seed=3, confidence=0.99)
    auc95 = next(m for m in a if m.name == "auc")
    auc99 = next(m for m in wide if m.name == "auc")
    assert auc99.high - auc99.low > auc95.high - auc95.low


def test_paired_delta_against_champion() -> None:
    rng = np.random.default_rng(21)
    y, s = _data(3000, 21)
    logit = np.log(s / (1 - s))
    champion = 1.0 / (1.0 + np.exp(-(0.6 * logit + rng.normal(0, 0.8, len(y)))))  # a weaker, correlated model
    ms, summary = compute_performance(y, s, champion_score=champion, resamples=1000, seed=2)
    assert summary["champion"] is True
    got = {m.name: m for m in ms}
    champ_ref = _reference(y, champion, (champion >= 0.5).astype(int))
    cand_ref = _reference(y, s, (s >= 0.5).astype(int))
    for name in cand_ref:
        d = got[name + ".delta"]
        assert d.detail["champion"] == pytest.approx(champ_ref[name], abs=TOL)
        assert d.value == pytest.approx(cand_ref[name] - champ_ref[name], abs=TOL)
        assert d.higher_is_better == got[name].higher_is_better
    # paired: the delta interval is narrower than unpaired combination would give, and excludes 0 for AUC
    auc_d = got["auc.delta"]
    assert auc_d.low > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slow = _slow_bootstrap(y, s, 200, seed=4, champion=champion)
    _check_intervals([m for m in ms if m.name.endswith(".delta")], slow)


def test_champion_prediction_only() -> None:
    y, s = _data(1000, 31)
    cp = (np.random.default_rng(1).random(1000) < 0.5).astype(int)
    ms, _ = compute_performance(y, s, champion_prediction=cp, resamples=100, seed=1)
    names = {m.name for m in ms}
    assert "accuracy.delta" in names and "auc.delta" not in names
    acc = next(m for m in ms if m.name == "accuracy.delta")
    ref = skm.accuracy_score(y, s >= 0.5) - skm.accuracy_score(y, cp)
    assert acc.value == pytest.approx(ref, abs=TOL) and acc.low < acc.value < acc.high


def test_undefined_precision_is_none_not_zero() -> None:
    y = np.array([0, 1, 0, 1])
    ms, _ = compute_performance(y, None, np.zeros(4, int), resamples=50, seed=1)
    prec = next(m for m in ms if m.name == "precision")
    assert prec.value is None and prec.detail["undefined"] is True


# ------------------------------------------------------------------------------------------ files


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_from_csv_and_parquet_equal(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    y, s = _data(2000, 41, decimals=3)
    champion = np.clip(s + np.random.default_rng(2).normal(0, 0.1, len(s)), 0, 1)
    label_text = np.where(y == 1, "bad", "good")
    table = pa.table({"id": np.arange(len(y)), "outcome": label_text, "p": s, "p_old": champion})
    pq.write_table(table, tmp_path / "d.parquet")
    lines = ["id,outcome,p,p_old"] + [
        f"{i},{a},{float(b)!r},{float(c)!r}" for i, a, b, c in zip(range(len(y)), label_text, s, champion, strict=True)
    ]
    _write(tmp_path, "d.csv", "\n".join(lines) + "\n")
    results = [
        performance_from_file(
            str(tmp_path / name),
            label="outcome",
            score="p",
            prediction=None,
            positive="bad",
            champion_score="p_old",
            resamples=200,
            seed=7,
        )
        for name in ("d.parquet", "d.csv")
    ]
    for r in results:
        assert r.kind == "performance" and r.source == "computed" and r.stage == "performance"
        assert r.row_count == 2000 and r.data_digest.startswith("sha256:") and r.digest_scope == "file"
        auc = r.measurement("auc")
        assert auc is not None and auc.value == pytest.approx(skm.roc_auc_score(y, s), abs=TOL)
        assert r.measurement("auc.delta") is not None
    a, b = results
    assert [m.to_dict() for m in a.measurements] == [m.to_dict() for m in b.measurements]
    assert a.data_digest != b.data_digest


def test_from_csv_numeric_labels_and_prediction_column(tmp_path: Path) -> None:
    p = _write(tmp_path, "d.csv", "y,score,pred\n1,0.9,1\n0,0.2,0\n1,0.4,0\n0,0.6,1\n1,0.8,1\n")
    r = performance_from_file(str(p), label="y", score="score", prediction="pred", resamples=0)
    acc = r.measurement("accuracy")
    assert acc is not None and acc.value == pytest.approx(0.6)
    assert r.summary["prediction"] == "given"
    assert r.to_dict()["kind"] == "performance"


BAD = [
    ("three-values", "y,s\n0,0.1\n1,0.2\n2,0.3\n", {}, ["'y'", "3 distinct values"]),
    ("score-above-one", "y,s\n0,0.1\n1,1.2\n", {}, ["'s'", "outside [0, 1]", "row 2"]),
    ("score-negative", "y,s\n0,-0.1\n1,0.2\n", {}, ["'s'", "outside [0, 1]"]),
    ("score-text", "y,s\n0,abc\n1,0.2\n", {}, ["'s'"]),
    ("score-empty", "y,s\n0,\n1,0.2\n", {}, ["'s'", "empty"]),
    ("label-empty", "y,s\n,0.1\n1,0.2\n", {}, ["'y'", "empty"]),
    ("single-class", "y,s\n1,0.1\n1,0.2\n", {}, ["'y'", "single class", "AUC is undefined"]),
    ("empty-file", "y,s\n", {}, ["no data rows"]),
    ("missing-column", "y,t\n0,0.1\n1,0.2\n", {}, ["'s'"]),
    ("yes-no-without-positive", "y,s\nyes,0.1\nno,0.2\n", {}, ["'y'", "positive"]),
    ("positive-not-found", "y,s\nyes,0.1\nno,0.2\n", {"positive": "1"}, ["'1'", "'y'"]),
    ("bad-prediction", "y,s,q\n0,0.1,0\n1,0.2,7\n", {"prediction": "q"}, ["'q'"]),
]


@pytest.mark.parametrize(("case", "text", "extra", "needles"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_one_line_naming_file_and_column(
    tmp_path: Path, case: str, text: str, extra: dict[str, Any], needles: list[str]
) -> None:
    p = _write(tmp_path, f"{case}.csv", text)
    kwargs: dict[str, Any] = {"label": "y", "score": "s", "prediction": None, "resamples": 10, **extra}
    with pytest.raises(InputError) as info:
        performance_from_file(str(p), **kwargs)
    line = info.value.one_line()
    assert "\n" not in line and str(p) in line, line
    for needle in needles:
        assert needle in line, (needle, line)
    assert info.value.exit_code == 2


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        performance_from_file(str(tmp_path / "nope.csv"), label="y", score="s", prediction=None)
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match="not a Parquet file"):
        performance_from_file(str(junk), label="y", score="s", prediction=None)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        (dict(label=[0, 1, 2], score=[0.1, 0.2, 0.3]), "0/1"),
        (dict(label=[0, 1], score=[0.1, np.nan]), "outside [0, 1]"),
        (dict(label=[0, 1], score=[0.1, 0.2, 0.3]), "3 values"),
        (dict(label=[], score=[]), "no rows"),
        (dict(label=[1, 1], score=[0.1, 0.2]), "AUC is undefined"),
        (dict(label=[0, 1]), "give a score column"),
        (dict(label=[0, 1], score=[0.1, 0.2], cost_matrix={"tp": 1, "xx": 2}), "unknown key"),
        (dict(label=[0, 1], score=[0.1, 0.2], cost_matrix={"tp": float("nan")}), "finite"),
        (dict(label=[0, 1], score=[0.1, 0.2], threshold=2), "threshold"),
        (dict(label=[0, 1], score=[0.1, 0.2], confidence=1.5), "confidence"),
        (dict(label=[0, 1], score=[0.1, 0.2], resamples=-1), "resamples"),
        (dict(label=[0, 1], score=[0.1, 0.2], champion_score=[0.1, 1.5]), "champion_score"),
    ],
)
def test_bad_arrays(kwargs: dict[str, Any], needle: str) -> None:
    args = {k: (np.asarray(v) if isinstance(v, list) else v) for k, v in kwargs.items()}
    with pytest.raises(InputError) as info:
        compute_performance(**args)
    assert needle in info.value.one_line()


@pytest.mark.parametrize("pred", [["1", "0", "0", "1"], ["bad", "good", "good", "bad"]])
def test_text_label_with_numeric_or_text_prediction(tmp_path: Path, pred: list[str]) -> None:
    rows = zip(["bad", "good", "bad", "good"], pred, strict=True)
    p = _write(tmp_path, "d.csv", "y,q\n" + "".join(f"{a},{b}\n" for a, b in rows))
    r = performance_from_file(str(p), label="y", score=None, prediction="q", positive="bad", resamples=0)
    values = {m.name: m.value for m in r.measurements}
    assert values == {"accuracy": 0.5, "precision": 0.5, "recall": 0.5, "f1": 0.5}
