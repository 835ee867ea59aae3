"""Evidently drift results as drift evidence, so a team that already runs Evidently does not redo it.

Reads the two JSON forms Evidently 0.7 writes for a `Report([DataDriftPreset()])` run:

- the report JSON (`snapshot.save_json(path)` / `snapshot.json()`): `{"metrics": [{"config": {"type":
  "evidently:metric_v2:ValueDrift", "column", "method", "threshold"}, "value"}, ...], "tests": [...]}`;
- the full snapshot (`snapshot.dumps()`, what a workspace stores): `{"metric_results": {id: {
  "metric_value_location": {"metric": {"params": {...}}}, "value"}}, ...}`.

Each `ValueDrift` becomes a `drift` measurement per column (1.0 drifted / 0.0 not, decided from the
reported score, method and threshold exactly as Evidently decides) plus, for a distance method, the
distance itself under our name (`wasserstein`, `jensenshannon`, `psi`, ...). `DriftedColumnsCount`
gives the reported share and its `drift_share`. The digest is sha256 of the file's bytes, scope
"reported": the evidence is Evidently's word on data this product has not seen.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from governance.errors import InputError
from governance.evidence.stage import Measurement, StageResult, logical_name

# Evidently 0.7's display name of a drift method -> (our name, drifted when the score is le | lt | gt | ge
# the threshold, the score is a p-value), from evidently/legacy/calculations/stattests/*.py.
METHODS: dict[str, tuple[str, str, bool]] = {
    "K-S p_value": ("ks", "le", True),
    "chi-square p_value": ("chisquare", "lt", True),
    "Z-test p_value": ("z", "lt", True),
    "Jensen-Shannon distance": ("jensenshannon", "ge", False),
    "Wasserstein distance (normed)": ("wasserstein", "ge", False),
    "PSI": ("psi", "ge", False),
    "Kullback-Leibler divergence": ("kl_div", "ge", False),
    "Hellinger distance": ("hellinger", "ge", False),
    "Energy-distance": ("energy", "gt", False),
    "Total-Variation-Distance": ("tvd", "lt", True),
    "Anderson-Darling": ("anderson", "lt", True),
    "Cramer-von Mises": ("cramer_von_mises", "le", True),
    "Epps-Singleton": ("epps_singleton", "lt", True),
    "Fisher's Exact test": ("fisher_exact", "lt", True),
    "g_test": ("g_test", "lt", True),
    "Mann-Whitney U-rank test": ("mannw", "lt", True),
    "empirical_mmd": ("empirical_mmd", "lt", True),
    "t_test": ("t_test", "lt", True),
}
_RULES = {"le": "score <= threshold", "lt": "score < threshold", "gt": "score > threshold", "ge": "score >= threshold"}
_VALUE_DRIFT = "evidently:metric_v2:ValueDrift"
_DRIFTED_COUNT = "evidently:metric_v2:DriftedColumnsCount"


def _entries(doc: Any, where: str) -> list[tuple[dict[str, Any], Any]]:
    """(metric params, value) pairs of either JSON form; anything else is refused."""
    if isinstance(doc, dict) and isinstance(doc.get("metrics"), list):
        out = []
        for m in doc["metrics"]:
            if isinstance(m, dict) and isinstance(m.get("config"), dict):
                out.append((m["config"], m.get("value")))
        return out
    if isinstance(doc, dict) and isinstance(doc.get("metric_results"), dict):
        out = []
        for r in doc["metric_results"].values():
            if not isinstance(r, dict):
                continue
            params = ((r.get("metric_value_location") or {}).get("metric") or {}).get("params")
            if not isinstance(params, dict):
                continue
            if "value" in r:
                value: Any = r["value"]
            else:  # CountValue: {"count": {"value": ...}, "share": {"value": ...}}
                value = {k: (r.get(k) or {}).get("value") for k in ("count", "share") if isinstance(r.get(k), dict)}
            out.append((params, value))
        return out
    raise InputError(
        f"{where} is not an Evidently report or snapshot (no 'metrics' list or 'metric_results' object)",
        where=where,
    )


def _number(value: Any, what: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{where}: {what} is not a number ({value!r})", where=where)
    return float(value)


def import_evidently_snapshot(path: str) -> StageResult:
    """Drift evidence from an Evidently 0.7 report/snapshot JSON file; InputError when it holds none."""
    from governance import jsonsafe

    p = Path(path)
    where = str(p)
    if not p.is_file():
        raise InputError(f"no such file: {p}", where=where)
    data = p.read_bytes()
    try:
        doc = jsonsafe.loads(data)
    except InputError as exc:
        raise InputError(f"{p} is not valid JSON: {exc.one_line()}", where=where) from exc
    except ValueError as exc:
        raise InputError(f"{p} is not valid JSON: {' '.join(str(exc).split())}", where=where) from exc

    measurements: list[Measurement] = []
    verdicts: dict[str, bool] = {}
    reported_share: float | None = None
    drift_share = 0.5
    for params, value in _entries(doc, where):
        kind = params.get("type")
        if kind == _DRIFTED_COUNT:
            drift_share = _number(params.get("drift_share", 0.5), "drift_share", where)
            if isinstance(value, dict) and value.get("share") is not None:
                reported_share = _number(value["share"], "share of drifted columns", where)
            continue
        if kind != _VALUE_DRIFT:
            continue
        column = params.get("column")
        method = params.get("method")
        if not isinstance(column, str) or not isinstance(method, str):
            raise InputError(f"{where}: a ValueDrift metric has no column or method", where=where)
        score = _number(value, f"the drift score of column {column!r}", where)
        threshold = _number(params.get("threshold"), f"the threshold of column {column!r}", where)
        if method not in METHODS:
            raise InputError(
                f"{where}: column {column!r} uses drift method {method!r}, which this import does not know "
                f"(known: {', '.join(sorted(METHODS))})",
                where=where,
            )
        name, rule, is_p = METHODS[method]
        drifted = {
            "le": score <= threshold,
            "lt": score < threshold,
            "gt": score > threshold,
            "ge": score >= threshold,
        }[rule]
        verdicts[column] = drifted
        if not is_p:
            measurements.append(
                Measurement(name, score, subject=column, higher_is_better=False, detail={"reported_method": method})
            )
        measurements.append(
            Measurement(
                "drift",
                1.0 if drifted else 0.0,
                subject=column,
                higher_is_better=False,
                detail={
                    "test": name,
                    "threshold": threshold,
                    "score": score,
                    "score_is": "p_value" if is_p else "distance",
                    "drifted_when": _RULES[rule],
                    "reported_method": method,
                },
            )
        )
    if not verdicts:
        raise InputError(
            f"{p} holds no Evidently drift results (no ValueDrift metric: run Report([DataDriftPreset()]))",
            where=where,
        )
    n_drifted = sum(verdicts.values())
    share = n_drifted / len(verdicts)
    summary: dict[str, Any] = {
        "n_features": len(verdicts),
        "n_drifted": n_drifted,
        "share_drifted": share,
        "reported_share_drifted": reported_share,
        "drift_share": drift_share,
        "dataset_drift": share >= drift_share,
        "drifted_features": [c for c, d in verdicts.items() if d],
        "rule": "as reported by Evidently",
    }
    version = doc.get("version") if isinstance(doc, dict) else None
    return StageResult(
        kind="drift",
        measurements=tuple(measurements),
        summary=summary,
        row_count=0,  # Evidently's report does not say how many rows it saw
        data_digest="sha256:" + hashlib.sha256(data).hexdigest(),
        digest_scope="reported",
        data_source=logical_name(p),
        source="evidently",
        tool_version=f"evidently {version}" if isinstance(version, str) else "evidently 0.7",
    )
