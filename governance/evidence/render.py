"""Text rendering of a fairness results document (stored or fresh: the same dict either way)."""

from __future__ import annotations

from typing import Any

_RATES = (
    ("base", "base_rate"),
    ("sel", "selection_rate"),
    ("TPR", "tpr"),
    ("FPR", "fpr"),
    ("TNR", "tnr"),
    ("FNR", "fnr"),
    ("PPV", "ppv"),
    ("acc", "accuracy"),
)
_PAIRWISE = (
    ("SPD", "statistical_parity_difference"),
    ("DI", "disparate_impact"),
    ("EOD", "equal_opportunity_difference"),
    ("AOD", "average_odds_difference"),
    ("AAOD", "average_abs_odds_difference"),
)


def _f(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _ci(entry: dict[str, Any]) -> str:
    ci = entry.get("ci")
    return "—" if not ci else f"[{_f(ci[0])}, {_f(ci[1])}]"


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def render_text(results: dict[str, Any], evaluation_id: int | None = None) -> str:
    """A readable report: header, per-group table, between-group table with CIs, aif360 pairs, four-fifths."""
    out: list[str] = []
    model, data, cols = results.get("model", {}), results.get("data", {}), results.get("columns", {})
    title = f"Fairness evaluation #{evaluation_id}" if evaluation_id is not None else "Fairness evaluation"
    out.append(f"{title}: model {model.get('name')} version {model.get('version')}")
    out.append(f"data   {data.get('source')} ({data.get('format')}, {results['rows']:,} rows)")
    out.append(f"digest {data.get('digest')} (of the {data.get('digest_scope')})")
    pred_fav = ", ".join(results["predicted_favorable"])
    out.append(
        f"label {cols.get('label')!s} (favorable {results['favorable_label']!r}); prediction "
        f"{cols.get('prediction')!s} (favorable: {pred_fav}); sensitive {', '.join(results['sensitive'])}"
    )
    priv = results.get("privileged")
    small_policy = "included in" if results["small_groups"] == "included" else "excluded from"
    out.append(
        f"privileged group: {', '.join(priv['groups']) if priv else 'none given'}; minimum group size "
        f"{results['min_group_size']} (smaller groups {small_policy} max-min aggregates)"
    )
    out.append(
        f"producer {results.get('producer')}, gov {results.get('tool', {}).get('version')}, "
        f"evaluated {results.get('evaluated_at')}"
    )
    out += ["", "Per-group metrics (favorable = positive)"]
    rows = []
    for g in results["groups"]:
        mark = ("*" if g["small"] else "") + ("†" if g.get("privileged") else "")
        rows.append([g["name"] + mark, f"{g['count']:,}", *(_f(g["metrics"][k], 3) for _, k in _RATES)])
    out += _table(["group", "n", *(h for h, _ in _RATES)], rows, set(range(1, len(_RATES) + 2)))
    legend = []
    if any(g["small"] for g in results["groups"]):
        legend.append(f"* fewer than {results['min_group_size']} rows: flagged, {small_policy} max-min aggregates")
    if priv:
        legend.append("† privileged group")
    legend.append("— undefined (zero denominator)")
    out += ["  " + "; ".join(legend)]
    boot = results["bootstrap"]
    conf = f"{boot['confidence']:.0%}"
    out += [
        "",
        f"Between-group metrics ({conf} CI: {boot['resamples']} bootstrap resamples, seed {boot['seed']})",
    ]
    rows = [[key, _f(e["value"]), _ci(e), e["definition"]] for key, e in results["metrics"].items()]
    out += _table(["metric", "value", f"{conf} CI", "definition (sign convention)"], rows, {1})
    pairwise = results.get("pairwise")
    if pairwise:
        out += [
            "",
            f"aif360, each group vs the privileged group ({', '.join(priv['groups']) if priv else ''})",
        ]
        rows = []
        small = {g["name"] for g in results["groups"] if g["small"]}
        for name, entry in pairwise["groups"].items():
            rows.append(
                [
                    name + ("*" if name in small else ""),
                    *(f"{_f(entry[k]['value'], 3)} {_ci(entry[k])}" for _, k in _PAIRWISE),
                ]
            )
        out += _table(["group", *(h for h, _ in _PAIRWISE)], rows, set())
        out.append("  " + "; ".join(f"{h} = {pairwise['definitions'][k]}" for h, k in _PAIRWISE))
    ff = results["four_fifths"]
    verdict = {True: "PASS", False: "FAIL", None: "undefined"}[ff["passes"]]
    out += [
        "",
        f"Four-fifths rule: {verdict} (impact ratio = selection rate / that of "
        f"{ff['reference_group']}, the highest; threshold {ff['threshold']})",
    ]
    for name, entry in ff["impact_ratios"].items():
        flag = "  adverse impact" if name in ff["adverse_impact"] else ""
        out.append(f"  {name}: {_f(entry['value'], 3)} {_ci(entry)}{flag}")
    out += ["", "Conventions"]
    out += [f"  {k}: {v}" for k, v in results["conventions"].items()]
    if results.get("notes"):
        out += ["", "Notes"] + [f"  - {n}" for n in results["notes"]]
    return "\n".join(out)


def render_list(evaluations: list[Any]) -> str:
    """One line per stored evaluation: id, version, when, data, headline metrics."""
    rows = []
    for ev in evaluations:
        r = ev.results
        metrics = r.get("metrics", {})
        dpd = metrics.get("fairlearn.demographic_parity_difference", {}).get("value")
        di = metrics.get("aif360.disparate_impact", {}).get("value")
        ff = {True: "pass", False: "FAIL", None: "—"}[r.get("four_fifths", {}).get("passes")]
        rows.append(
            [
                str(ev.id),
                ev.version,
                str(r.get("evaluated_at")),
                r["data"]["digest"][:19] + "…",
                ",".join(r.get("sensitive", [])),
                f"{r['rows']:,}",
                _f(dpd),
                _f(di),
                ff,
                str(r.get("producer")),
            ]
        )
    if not rows:
        return "no fairness evaluations"
    header = ["id", "version", "evaluated", "data", "sensitive", "rows", "DP diff", "DI", "4/5", "producer"]
    return "\n".join(_table(header, rows, {0, 5, 6, 7}))
