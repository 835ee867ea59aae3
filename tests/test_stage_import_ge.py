"""Great Expectations results -> data-validation evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from governance.digest import file_sha256
from governance.errors import InputError
from governance.evidence.import_ge import import_ge_result

REAL = Path(__file__).parent / "data" / "stages" / "ge_simple_validate_results_with_evaluation_parameters.json"


def test_real_ge_validation_result() -> None:
    r = import_ge_result(str(REAL))
    assert r.kind == "data_validation" and r.stage == "data"
    assert r.source == "great_expectations" and r.digest_scope == "reported"
    assert r.data_digest == file_sha256(REAL)
    assert r.tool_version == "great_expectations 0.13.2+6.ga56ce94.dirty"
    assert len(r.measurements) == 9 and all(m.value == 1.0 for m in r.measurements)
    m = r.measurement("expect_column_mean_to_be_between", "index")
    assert m is not None and m.detail["observed_value"] == 1.5 and m.n == 4
    assert m.detail["kwargs"] == {"column": "index", "max_value": 2.5, "min_value": 0.5}
    nn = r.measurement("expect_column_values_to_not_be_null", "index")
    assert nn is not None and nn.detail["unexpected_percent"] == 0.0
    assert r.measurement("expect_table_columns_to_match_ordered_list", "index,foo") is not None
    assert r.summary["success"] is True and r.summary["reported_success"] is True
    assert r.summary["statistics"]["evaluated_expectations"] == 9
    assert r.summary["reported_statistics"]["successful_expectations"] == 9
    assert r.summary["reported_mismatch"] is False and r.summary["suites"] == ["integer_test.warning"]
    assert r.row_count == 4
    json.dumps(r.to_dict())


def _v1(results: list[dict[str, Any]], success: bool, stats: dict[str, Any] | None = None) -> dict[str, Any]:
    # GX 1.x shape (written for this test: "type" instead of "expectation_type")
    return {"success": success, "results": results, "statistics": stats or {}, "suite_name": "orders"}


def _res(etype: str, success: bool, kwargs: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    return {"expectation_config": {"type": etype, "kwargs": kwargs}, "success": success, "result": result}


def test_v1_with_failures_and_repeated_subjects(tmp_path: Path) -> None:
    results = [
        _res(
            "expect_column_values_to_not_be_null",
            False,
            {"column": "amount"},
            {"element_count": 100, "unexpected_count": 7, "unexpected_percent": 7.0},
        ),
        _res(
            "expect_column_values_to_be_between",
            True,
            {"column": "amount", "min_value": 0},
            {"element_count": 100, "unexpected_percent": 0.0},
        ),
        _res(
            "expect_column_values_to_be_between",
            False,
            {"column": "amount", "max_value": 10},
            {"element_count": 100, "unexpected_percent": 12.0},
        ),
        _res("expect_table_row_count_to_be_between", True, {"min_value": 1}, {"observed_value": 100}),
    ]
    f = tmp_path / "v1.json"
    f.write_text(json.dumps(_v1(results, False, {"evaluated_expectations": 4, "successful_expectations": 2})))
    r = import_ge_result(str(f))
    assert [m.value for m in r.measurements] == [0.0, 1.0, 0.0, 1.0]
    assert r.measurement("expect_column_values_to_be_between", "amount#2") is not None
    assert r.measurement("expect_column_values_to_not_be_null", "amount").detail["unexpected_percent"] == 7.0  # type: ignore[union-attr]
    assert r.measurement("expect_table_row_count_to_be_between", "min_value=1") is not None
    assert r.summary["success"] is False and r.summary["statistics"]["unsuccessful_expectations"] == 2
    assert r.summary["failed"] == [
        "expect_column_values_to_not_be_null[amount]",
        "expect_column_values_to_be_between[amount#2]",
    ]
    assert r.summary["reported_mismatch"] is False


def test_reported_statistics_that_disagree_are_flagged(tmp_path: Path) -> None:
    results = [_res("expect_column_to_exist", False, {"column": "x"}, {})]
    f = tmp_path / "lie.json"
    f.write_text(json.dumps(_v1(results, True, {"evaluated_expectations": 1, "successful_expectations": 1})))
    r = import_ge_result(str(f))
    assert r.summary["success"] is False  # computed from the results, not taken on the file's word
    assert r.summary["reported_mismatch"] is True


def test_checkpoint_shapes(tmp_path: Path) -> None:
    vr = json.loads(REAL.read_text())
    f = tmp_path / "checkpoint.json"
    f.write_text(json.dumps({"run_id": {}, "run_results": {"vr1": {"validation_result": vr}}, "success": True}))
    assert len(import_ge_result(str(f)).measurements) == 9
    describe = {
        "success": False,
        "validation_results": [
            {
                "success": False,
                "statistics": {"evaluated_expectations": 1},
                "expectations": [
                    {
                        "expectation_type": "expect_column_to_exist",
                        "success": False,
                        "kwargs": {"column": "y"},
                        "result": {},
                    }
                ],
            }
        ],
    }
    g = tmp_path / "describe.json"
    g.write_text(json.dumps(describe))
    r = import_ge_result(str(g))
    assert r.measurement("expect_column_to_exist", "y").value == 0.0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"success": True, "results": []}, "has no expectation results"),
        ({"success": True, "statistics": {}}, "field 'results' is missing"),
        ({"results": [{"expectation_config": {"type": "x", "kwargs": {}}}]}, r"results\[0\].success is missing"),
        (
            {"results": [{"success": True, "expectation_config": {"kwargs": {}}}]},
            r"results\[0\].expectation_config.type",
        ),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_bad_ge_files(tmp_path: Path, doc: Any, message: str) -> None:
    f = tmp_path / "ge.json"
    f.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=message) as exc:
        import_ge_result(str(f))
    assert "ge.json" in exc.value.one_line()


def test_not_json(tmp_path: Path) -> None:
    f = tmp_path / "ge.json"
    f.write_text("{ nope")
    with pytest.raises(InputError, match="not a Great Expectations result"):
        import_ge_result(str(f))
