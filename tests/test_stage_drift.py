"""Drift evidence (issue 14): values equal to SciPy's and Evidently's, BH equal to statsmodels', bad inputs."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from governance.errors import InputError
from governance.evidence.drift import benjamini_hochberg, compute_drift, drift_from_files, files_digest

DATA = Path(__file__).parent / "data" / "stages"


def frames(n_ref: int, n_cur: int, seed: int, shift: float = 0.3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def make(n: int, s: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "num": rng.normal(s, 1, n),
                "exp": rng.exponential(1 + s, n),
                "num_small": rng.integers(0, 4, n).astype(float),  # <= 5 values: chi-square / JS
                "num_mid": rng.integers(0, 15, n).astype(float) + s,  # <= 20 values: PSI/JS per value
                "two": rng.integers(0, 2, n).astype(float),  # 2 values: Z-test when small
                "cat": rng.choice(list("abcde"), n, p=[0.3, 0.3, 0.2, 0.1 + s / 10, 0.1 - s / 10]),
                "binary": rng.choice(["y", "n"], n, p=[0.5 + s / 5, 0.5 - s / 5]),
                "ints": rng.integers(0, 5, n),  # int with <= 10 values: categorical
            }
        )

    return make(n_ref, 0.0), make(n_cur, shift)


def by(ms: list, name: str) -> dict:
    return {m.subject: m for m in ms if m.name == name}


@pytest.mark.parametrize(("n_ref", "n_cur"), [(400, 300), (3000, 2500), (12000, 15000)])
def test_values_equal_scipy(n_ref: int, n_cur: int) -> None:
    ref, cur = frames(n_ref, n_cur, seed=n_ref)
    ms, _ = compute_drift(ref, cur)
    ks, ws, js, chi = by(ms, "ks"), by(ms, "wasserstein"), by(ms, "jensenshannon"), by(ms, "chisquare")
    for col in ("num", "exp", "num_mid"):
        expected = stats.ks_2samp(ref[col], cur[col])
        assert ks[col].value == pytest.approx(expected.statistic, rel=1e-12, abs=1e-15)
        assert ks[col].detail["p_value"] == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
        raw = stats.wasserstein_distance(ref[col], cur[col])
        assert ws[col].detail["raw"] == pytest.approx(raw, rel=1e-9)
        assert ws[col].value == pytest.approx(raw / max(float(np.std(ref[col])), 0.001), rel=1e-9)
    for col in ("cat", "binary", "ints"):
        keys = sorted(set(ref[col]) | set(cur[col]))
        r = ref[col].value_counts().reindex(keys, fill_value=0).to_numpy()
        c = cur[col].value_counts().reindex(keys, fill_value=0).to_numpy()
        assert js[col].value == pytest.approx(distance.jensenshannon(r / len(ref), c / len(cur)), rel=1e-9)
        expected_chi = stats.chisquare(c, r * len(cur) / len(ref))
        assert chi[col].value == pytest.approx(expected_chi.statistic, rel=1e-9)
        assert chi[col].detail["p_value"] == pytest.approx(expected_chi.pvalue, rel=1e-9, abs=1e-300)
    # numeric Jensen-Shannon over Sturges bins of both windows, as numpy bins them
    edges = np.histogram_bin_edges(np.concatenate([ref["num"], cur["num"]]), bins="sturges")
    r = np.histogram(ref["num"], edges)[0] / len(ref)
    c = np.histogram(cur["num"], edges)[0] / len(cur)
    assert js["num"].value == pytest.approx(distance.jensenshannon(r, c), rel=1e-9)


def _evidently_stattests():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon
        from evidently.legacy.calculations.stattests.psi import _psi
        from evidently.legacy.calculations.stattests.z_stattest import _z_stat_test
        from evidently.legacy.core import ColumnType
    return _psi, _jensenshannon, _z_stat_test, ColumnType


@pytest.mark.parametrize(("n_ref", "n_cur"), [(400, 300), (3000, 2500)])
def test_psi_js_z_equal_evidently_functions(n_ref: int, n_cur: int) -> None:
    _psi, _js, _z, ColumnType = _evidently_stattests()
    ref, cur = frames(n_ref, n_cur, seed=7)
    ms, _ = compute_drift(ref, cur)
    psi, js = by(ms, "psi"), by(ms, "jensenshannon")
    kinds = {"num": "Numerical", "exp": "Numerical", "num_small": "Numerical", "num_mid": "Numerical"}
    for col in ref.columns:
        ctype = getattr(ColumnType, kinds.get(col, "Categorical"))
        assert psi[col].value == pytest.approx(_psi(ref[col], cur[col], ctype, 0.1)[0], rel=1e-9), col
        assert js[col].value == pytest.approx(_js(ref[col], cur[col], ctype, 0.1)[0], rel=1e-9), col
    ref_small, cur_small = ref.iloc[:300], cur.iloc[:250]
    ms, _ = compute_drift(ref_small, cur_small)
    z = by(ms, "z")["binary"]
    assert z.detail["p_value"] == pytest.approx(
        _z(ref_small["binary"], cur_small["binary"], ColumnType.Categorical, 0.05)[0], rel=1e-9
    )


def _evidently_report(ref: pd.DataFrame, cur: pd.DataFrame) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import Report
        from evidently.presets import DataDriftPreset

        return Report([DataDriftPreset()]).run(cur, ref).dict()


@pytest.mark.parametrize(
    ("n_ref", "n_cur", "seed", "with_inf"),
    [(500, 400, 1, True), (1000, 900, 2, True), (3000, 2500, 3, False), (3000, 2500, 4, True)],
)
def test_verdicts_and_share_equal_evidently(n_ref: int, n_cur: int, seed: int, with_inf: bool) -> None:
    ref, cur = frames(n_ref, n_cur, seed=seed)
    # missing values are dropped, as Evidently drops them
    ref.loc[ref.index[:7], "num"] = np.nan
    cur.loc[cur.index[10:14], "cat"] = None
    if with_inf:
        # infinities too, as Evidently's per-column ValueDrift drops them. (Its DriftedColumnsCount
        # does not when a column has no NaN: the Wasserstein distance becomes NaN there and the column
        # counts as not drifted, disagreeing with its own ValueDrift; we follow ValueDrift.)
        cur.loc[cur.index[3:5], "exp"] = np.inf
    report = _evidently_report(ref, cur)
    ms, summary = compute_drift(ref, cur)
    drift = by(ms, "drift")
    names = {"K-S p_value": "ks", "chi-square p_value": "chisquare", "Z-test p_value": "z"}
    names |= {"Jensen-Shannon distance": "jensenshannon", "Wasserstein distance (normed)": "wasserstein"}
    seen = 0
    for metric in report["metrics"]:
        config = metric["config"]
        if "column" not in config:
            if with_inf and n_ref > 1000:
                continue  # see above: Evidently's own count disagrees with its ValueDrift verdicts here
            assert summary["share_drifted"] == pytest.approx(metric["value"]["share"], abs=1e-15)
            assert summary["n_drifted"] == metric["value"]["count"]
            continue
        ours = drift[config["column"]]
        assert ours.detail["test"] == names[config["method"]]
        assert ours.detail["threshold"] == config["threshold"]
        assert ours.detail["score"] == pytest.approx(metric["value"], rel=1e-9, abs=1e-300)
        evidently_drifted = {
            "ks": metric["value"] <= config["threshold"],
            "chisquare": metric["value"] < config["threshold"],
            "z": metric["value"] < config["threshold"],
        }.get(ours.detail["test"], metric["value"] >= config["threshold"])
        assert ours.value == (1.0 if evidently_drifted else 0.0)
        seen += 1
    assert seen == len(ref.columns)
    assert summary["dataset_drift"] == (summary["share_drifted"] >= 0.5)


def test_drift_decision_follows_threshold() -> None:
    ref, cur = frames(3000, 3000, seed=5, shift=0.0)
    _, calm = compute_drift(ref, cur)
    assert calm["n_drifted"] == 0 and calm["dataset_drift"] is False
    ref2, cur2 = frames(3000, 3000, seed=5, shift=1.0)
    _, moved = compute_drift(ref2, cur2, columns=["num", "exp", "cat"])
    assert moved["n_drifted"] >= 2 and moved["dataset_drift"] is True


def test_benjamini_hochberg_equals_statsmodels() -> None:
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(3)
    p = np.concatenate([rng.uniform(0, 1, 40), rng.uniform(0, 0.01, 10), [0.05, 0.05, 1.0]])
    adjusted, rejected = benjamini_hochberg(list(p), 0.05)
    reject_sm, adjusted_sm, _, _ = multipletests(p, alpha=0.05, method="fdr_bh")
    assert np.allclose(adjusted, adjusted_sm, rtol=1e-12, atol=0)
    assert rejected == list(reject_sm)


def test_bh_correction_across_features() -> None:
    from statsmodels.stats.multitest import multipletests

    ref, cur = frames(3000, 2500, seed=11, shift=0.08)
    ms, summary = compute_drift(ref, cur, method_numeric="ks", method_categorical="chisquare", correction="bh")
    drift = by(ms, "drift")
    cols = list(ref.columns)
    raw = [drift[c].detail["score"] for c in cols]
    reject, adjusted, _, _ = multipletests(raw, alpha=0.05, method="fdr_bh")
    assert [drift[c].detail["p_value_adjusted"] for c in cols] == pytest.approx(list(adjusted), rel=1e-12)
    assert [drift[c].value == 1.0 for c in cols] == list(reject)
    assert summary["corrected_features"] == len(cols)
    _, plain = compute_drift(ref, cur, method_numeric="ks", method_categorical="chisquare")
    assert summary["n_drifted"] <= plain["n_drifted"]


def _write(path: Path, df: pd.DataFrame) -> str:
    df.to_csv(path, index=False)
    return str(path)


def test_drift_from_files_result_and_digest(tmp_path: Path) -> None:
    ref, cur = frames(600, 500, seed=4)
    r, c = _write(tmp_path / "ref.csv", ref), _write(tmp_path / "cur.csv", cur)
    result = drift_from_files(r, c)
    assert result.kind == "drift" and result.stage == "data" and result.digest_scope == "file"
    assert result.row_count == 500 and result.source == "computed"
    h = hashlib.sha256()
    for p in (r, c):
        data = Path(p).read_bytes()
        h.update(len(data).to_bytes(8, "big") + data)
    assert result.data_digest == "sha256:" + h.hexdigest() == files_digest(Path(r), Path(c))
    assert files_digest(Path(c), Path(r)) != result.data_digest  # order matters: which is the reference
    assert result.summary["n_features"] == len(ref.columns)
    for col in ref.columns:
        assert result.measurement("drift", col) is not None
        assert result.measurement("psi", col) is not None
    assert result.to_dict()["measurements"]  # JSON-ready
    parquet = tmp_path / "cur.parquet"
    cur.to_parquet(parquet)
    again = drift_from_files(r, str(parquet), columns=["num", "cat"])
    assert again.summary["n_features"] == 2
    assert again.measurement("drift", "num").detail["score"] == pytest.approx(
        result.measurement("drift", "num").detail["score"], rel=1e-12
    )


def test_empty_window_names_the_file(tmp_path: Path) -> None:
    ref, cur = frames(100, 100, seed=1)
    r = _write(tmp_path / "ref.csv", ref)
    c = _write(tmp_path / "empty.csv", cur.iloc[:0])
    with pytest.raises(InputError) as err:
        drift_from_files(r, c)
    line = err.value.one_line()
    assert "empty.csv" in line and "no rows" in line and "\n" not in line


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    ref, cur = frames(100, 100, seed=1)
    r = _write(tmp_path / "ref.csv", ref)
    c = _write(tmp_path / "cur.csv", cur.drop(columns=["exp"]))
    with pytest.raises(InputError) as err:
        drift_from_files(r, c)
    assert "cur.csv" in err.value.one_line() and "'exp'" in err.value.one_line()
    with pytest.raises(InputError, match="ref.csv has no column 'nope'"):
        drift_from_files(r, c, columns=["num", "nope"])


def test_type_mismatch_names_column(tmp_path: Path) -> None:
    ref, cur = frames(100, 100, seed=1)
    cur["num"] = ["x"] * len(cur)
    r, c = _write(tmp_path / "ref.csv", ref), _write(tmp_path / "cur.csv", cur)
    with pytest.raises(InputError) as err:
        drift_from_files(r, c)
    line = err.value.one_line()
    assert "'num'" in line and "cur.csv" in line and "numeric" in line


def test_all_missing_column_and_bad_arguments(tmp_path: Path) -> None:
    ref, cur = frames(100, 100, seed=1)
    cur["num"] = np.nan
    with pytest.raises(InputError, match="'num' has no values in current"):
        compute_drift(ref, cur)
    with pytest.raises(InputError, match="unknown numeric drift method"):
        compute_drift(ref, ref, method_numeric="anderson")
    with pytest.raises(InputError, match="unknown correction"):
        compute_drift(ref, ref, correction="bonferroni")
    with pytest.raises(InputError, match="no such file"):
        drift_from_files(str(tmp_path / "absent.csv"), str(tmp_path / "absent.csv"))


def test_stored_files_match_stored_evidently_snapshot() -> None:
    """The stored reference/current CSVs against the snapshot Evidently 0.7.23 wrote for them."""
    import json

    result = drift_from_files(str(DATA / "drift_reference.csv"), str(DATA / "drift_current.csv"))
    snap = json.loads((DATA / "evidently_drift_snapshot.json").read_text())
    for metric in snap["metrics"]:
        if "column" in metric["config"]:
            ours = result.measurement("drift", metric["config"]["column"])
            assert ours is not None
            assert ours.detail["score"] == pytest.approx(metric["value"], rel=1e-9)
        else:
            assert result.summary["share_drifted"] == metric["value"]["share"]
