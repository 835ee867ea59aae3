"""Great Expectations results as data-validation evidence (kind "data_validation").

Reads, from the content:
- a validation result (ExpectationSuiteValidationResult, GX 0.x and 1.x): {"success", "statistics",
  "results": [{"expectation_config": {"type" (1.x) | "expectation_type" (0.x), "kwargs"}, "success",
  "result", "exception_info"}], "meta"};
- a checkpoint result of GX 0.x: {"run_results": {id: {"validation_result": <validation result>}}};
- the `describe_dict()` of a GX 1.x CheckpointResult: {"validation_results": [{"success",
  "statistics", "expectations": [{"expectation_type", "success", "kwargs", "result"}]}]}.

One Measurement per expectation: name = the expectation type, subject = its column (or column pair,
or a short summary of its kwargs; a "#2" suffix keeps repeated subjects apart), value 1.0 when it
succeeded and 0.0 when it did not (an expectation that raised is 0.0), detail = the observed value,
unexpected count and percent, the kwargs. The summary holds GX's own statistics and overall success,
and the counts recomputed from the results (a mismatch is flagged, not hidden). An expectation
without a boolean "success" is bad input: missing evidence never passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from governance.errors import InputError
from governance.evidence.stage import Measurement, StageResult, logical_name

_RESULT_KEYS = (
    "observed_value",
    "unexpected_count",
    "unexpected_percent",
    "element_count",
    "missing_count",
    "missing_percent",
)


def _subject(kwargs: dict[str, Any]) -> str:
    if isinstance(kwargs.get("column"), str):
        return str(kwargs["column"])
    if isinstance(kwargs.get("column_A"), str) and isinstance(kwargs.get("column_B"), str):
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    if isinstance(kwargs.get("column_list"), list) and all(isinstance(c, str) for c in kwargs["column_list"]):
        return ",".join(kwargs["column_list"])
    rest = {
        k: v for k, v in kwargs.items() if k not in ("result_format", "batch_id", "catch_exceptions", "include_config")
    }
    if not rest:
        return "table"
    text = ", ".join(f"{k}={v}" for k, v in sorted(rest.items()))
    return text if len(text) <= 80 else text[:77] + "..."


def _validations(doc: Any, where: str) -> list[tuple[str, list[Any], dict[str, Any]]]:
    """(json path, expectation results, the validation object) for each validation in the document."""
    if not isinstance(doc, dict):
        raise InputError("not a Great Expectations result: expected a JSON object", where=where)
    if "results" in doc:
        return [("$.results", doc["results"], doc)]
    if isinstance(doc.get("run_results"), dict):
        out = []
        for key, run in doc["run_results"].items():
            vr = run.get("validation_result") if isinstance(run, dict) else None
            if not isinstance(vr, dict) or "results" not in vr:
                raise InputError(f"field run_results.{key}.validation_result.results is missing", where=where)
            out.append((f"$.run_results.{key}.validation_result.results", vr["results"], vr))
        return out
    if isinstance(doc.get("validation_results"), list):
        out = []
        for i, vr in enumerate(doc["validation_results"]):
            if not isinstance(vr, dict) or not isinstance(vr.get("expectations", vr.get("results")), list):
                raise InputError(f"field validation_results[{i}].expectations is missing", where=where)
            key = "expectations" if "expectations" in vr else "results"
            out.append((f"$.validation_results[{i}].{key}", vr[key], vr))
        return out
    raise InputError("not a Great Expectations result: field 'results' is missing", where=where)


def import_ge_result(path: str, *, data_source: str | None = None) -> StageResult:
    """A Great Expectations validation or checkpoint result JSON -> StageResult (see module doc)."""
    from governance import jsonsafe
    from governance.digest import bytes_sha256

    p = Path(path)
    where = str(p)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", where=where) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=where) from None
    try:
        doc = jsonsafe.loads(data)
    except InputError as exc:
        raise InputError(f"not a Great Expectations result: {exc.one_line()}", where=where) from None

    measurements: list[Measurement] = []
    seen: dict[tuple[str, str], int] = {}
    reported_stats: list[dict[str, Any]] = []
    reported_success: list[bool] = []
    suites: list[str] = []
    version = ""
    rows = 0
    for path_, results, vr in _validations(doc, where):
        if not isinstance(results, list) or not results:
            raise InputError(f"field {path_[2:]} has no expectation results", where=where)
        if isinstance(vr.get("statistics"), dict):
            reported_stats.append(vr["statistics"])
        if isinstance(vr.get("success"), bool):
            reported_success.append(vr["success"])
        meta: dict[str, Any] = vr["meta"] if isinstance(vr.get("meta"), dict) else {}
        suite = meta.get("expectation_suite_name") or vr.get("suite_name")
        if isinstance(suite, str):
            suites.append(suite)
        if isinstance(meta.get("great_expectations_version"), str):
            version = meta["great_expectations_version"]
        for i, res in enumerate(results):
            at = f"{path_[2:]}[{i}]"
            if not isinstance(res, dict):
                raise InputError(f"field {at} is not an object", where=where)
            config: dict[str, Any] = (
                res["expectation_config"] if isinstance(res.get("expectation_config"), dict) else res
            )
            etype = config.get("type") or config.get("expectation_type")
            if not isinstance(etype, str) or not etype:
                raise InputError(f"field {at}.expectation_config.type is missing", where=where)
            success = res.get("success")
            if not isinstance(success, bool):
                raise InputError(f"field {at}.success is missing or not true/false", where=where)
            kwargs: dict[str, Any] = config["kwargs"] if isinstance(config.get("kwargs"), dict) else {}
            subject = _subject(kwargs)
            count = seen.get((etype, subject), 0) + 1
            seen[(etype, subject)] = count
            if count > 1:
                subject = f"{subject}#{count}"
            result: dict[str, Any] = res["result"] if isinstance(res.get("result"), dict) else {}
            detail: dict[str, Any] = {k: result[k] for k in _RESULT_KEYS if k in result}
            detail["kwargs"] = {k: v for k, v in kwargs.items() if k != "result_format"}
            exc_info = res.get("exception_info")
            if isinstance(exc_info, dict) and exc_info.get("raised_exception"):
                detail["exception"] = str(exc_info.get("exception_message") or "raised an exception")[:500]
            element_count = result.get("element_count")
            n = element_count if isinstance(element_count, int) and not isinstance(element_count, bool) else None
            if n is not None:
                rows = max(rows, n)
            measurements.append(
                Measurement(etype, 1.0 if success else 0.0, subject=subject, n=n, higher_is_better=True, detail=detail)
            )

    passed = sum(1 for m in measurements if m.value == 1.0)
    computed = {
        "evaluated_expectations": len(measurements),
        "successful_expectations": passed,
        "unsuccessful_expectations": len(measurements) - passed,
        "success_percent": 100.0 * passed / len(measurements),
    }
    overall = passed == len(measurements)
    reported = reported_stats[0] if len(reported_stats) == 1 else reported_stats or None
    summary: dict[str, Any] = {
        "success": overall,
        "statistics": computed,
        "reported_statistics": reported,
        "reported_success": (reported_success[0] if len(reported_success) == 1 else all(reported_success))
        if reported_success
        else None,
        "suites": suites,
        "failed": [f"{m.name}[{m.subject}]" for m in measurements if m.value != 1.0],
    }
    top_success = doc.get("success")
    mismatch = (isinstance(top_success, bool) and top_success != overall) or (
        len(reported_stats) == 1
        and isinstance(reported_stats[0].get("evaluated_expectations"), int)
        and (
            reported_stats[0].get("evaluated_expectations") != computed["evaluated_expectations"]
            or reported_stats[0].get("successful_expectations") != computed["successful_expectations"]
        )
    )
    summary["reported_mismatch"] = bool(mismatch)
    return StageResult(
        kind="data_validation",
        measurements=tuple(measurements),
        summary=summary,
        row_count=rows,
        data_digest=bytes_sha256(data),
        digest_scope="reported",
        data_source=data_source or logical_name(p),
        source="great_expectations",
        tool_version=f"great_expectations {version}".strip(),
    )
