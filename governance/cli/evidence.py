"""`gov evidence`: fairness evaluations and validation-stage evidence (performance, drift, A/B tests,
operational load tests, Great Expectations and Evidently imports) bound to a model version and the digest
of their data; each computed result is stored and recorded as a lineage run whose inputs are the files read."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path

import typer

app = typer.Typer(
    help="Evidence for the policy gate: fairness evaluations and validation-stage evidence.", no_args_is_help=True
)

LARGE_FILE_BYTES = 256 << 20


def _split(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(part.strip() for part in text.split(",") if part.strip())


@contextmanager
def _progress(location: str, fmt: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr for a TTY or a large file; never for JSON output."""
    import os
    import sys

    large = os.path.isfile(location) and os.path.getsize(location) > LARGE_FILE_BYTES
    if fmt == "json" or not (sys.stderr.isatty() or large):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("counting", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@app.command()
def fairness(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(..., help="Model version (or alias)."),
    data: str = typer.Option(..., "--data", help="CSV or Parquet file, or a database URL (with --query)."),
    label: str = typer.Option(..., "--label", help="Ground-truth label column (binary)."),
    prediction: str = typer.Option(..., "--prediction", help="Prediction column."),
    sensitive: str = typer.Option(
        ..., "--sensitive", help="Sensitive column(s), COL[,COL...]; several make intersectional groups."
    ),
    favorable: str = typer.Option(None, "--favorable", help="Favorable (positive) label value; default 1 or true."),
    predicted_favorable: str = typer.Option(
        None,
        "--predicted-favorable",
        help="Prediction values counted as favorable, V[,V...]; default: the favorable label.",
    ),
    privileged: str = typer.Option(
        None, "--privileged", help="Privileged group for aif360 metrics: VALUE, or COL=VALUE[,COL=VALUE]."
    ),
    score: str = typer.Option(None, "--score", help="Score column (probability of the favorable label)."),
    favorable_meaning: str = typer.Option(
        None,
        "--favorable-meaning",
        help="What the favorable outcome means, e.g. 'loan approved' (stored, shown in reports).",
    ),
    query: str = typer.Option(None, "--query", help="SQL query when --data is a database URL."),
    min_group_size: int = typer.Option(30, "--min-group-size", help="Smaller groups are flagged."),
    include_small: bool = typer.Option(
        False,
        "--include-small-groups/--exclude-small-groups",
        help="Whether small groups enter max-min aggregates.",
    ),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="Bootstrap resamples for the intervals (0: none)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level of the intervals."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Compute and store a fairness evaluation of MODEL VERSION on the given data."""
    import json

    from governance.errors import InputError
    from governance.evidence.evaluation import Settings
    from governance.evidence.fairness import FairnessRequest
    from governance.evidence.render import render_text
    from governance.lineage.evidence_runs import evaluate_fairness_traced
    from governance.store.migrate import open_store

    if fmt not in ("text", "json"):
        raise InputError(f"unknown format {fmt!r}", where="--format", hint="text or json")
    request = FairnessRequest(
        label=label,
        prediction=prediction,
        sensitive=_split(sensitive) or (),
        favorable=favorable,
        predicted_favorable=_split(predicted_favorable),
        score=score,
        favorable_meaning=favorable_meaning,
        settings=Settings(
            privileged=privileged,
            min_group_size=min_group_size,
            include_small_groups=include_small,
            bootstrap=bootstrap,
            seed=seed,
            confidence=confidence,
        ),
    )
    with _progress(data, fmt) as progress:
        stored = evaluate_fairness_traced(open_store(), model, version, data, request, query=query, progress=progress)
    if fmt == "json":
        typer.echo(json.dumps(stored.to_dict(), indent=2))
    else:
        typer.echo(render_text(stored.results, stored.id))


@app.command("list")
def list_evaluations(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(None, help="Only this version."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Stored fairness evaluations of a model, newest first."""
    import json

    from governance.evidence.fairness import list_evaluations as list_all
    from governance.evidence.render import render_list
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        evaluations = list_all(session, model, version)
    if fmt == "json":
        typer.echo(json.dumps([e.to_dict() for e in evaluations], indent=2))
    else:
        typer.echo(render_list(evaluations))


@app.command()
def show(
    evaluation_id: int = typer.Argument(..., help="Evaluation id (see `gov evidence list`)."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """One stored fairness evaluation, as it was computed."""
    import json

    from governance.evidence.fairness import get_evaluation
    from governance.evidence.render import render_text
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    with session_scope(open_store()) as session:
        stored = get_evaluation(session, evaluation_id)
    typer.echo(json.dumps(stored.to_dict(), indent=2) if fmt == "json" else render_text(stored.results, stored.id))


@app.command()
def finish(
    limit: int = typer.Option(None, "--limit", min=1, help="At most this many evaluations (oldest first)."),
) -> None:
    """Compute the bootstrap intervals of evaluations stored by ingest (`intervals pending`), one per
    transaction. The gate and reports compute them anyway when they first read one; this does it ahead."""
    from governance.evidence.intervals import finish_pending
    from governance.store.migrate import open_store

    done, failed = finish_pending(open_store(), limit)
    typer.echo(f"{done} evaluation(s) completed" + (f", {failed} left pending (see the log)" if failed else ""))
    if failed:
        raise typer.Exit(1)


# ------------------------------------------------------------------------------------ validation stages

FORMAT_HELP = "text | json (the stored record)"


def _format(fmt: str) -> None:
    from governance.errors import InputError

    if fmt not in ("text", "json"):
        raise InputError(f"unknown format {fmt!r}", where="--format", hint="text or json")


def _numbers(text: str | None, where: str) -> dict[str, float] | None:
    """`a=1,b=2.5` -> {"a": 1.0, "b": 2.5}."""
    import math

    from governance.errors import InputError

    if text is None:
        return None
    out: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not sep or not key.strip() or not math.isfinite(number):
            raise InputError(f"expected NAME=NUMBER[,NAME=NUMBER...], got {part!r}", where=where)
        if key.strip() in out:
            raise InputError(f"{key.strip()!r} is given twice", where=where)
        out[key.strip()] = number
    if not out:
        raise InputError("expected NAME=NUMBER[,NAME=NUMBER...]", where=where)
    return out


def _window(text: str | None) -> tuple[datetime | None, datetime | None]:
    """`START/END` (ISO 8601) -> (start, end); an empty or reversed window is an error."""
    from governance.errors import InputError
    from governance.timeutil import to_utc

    if text is None:
        return None, None
    start_text, sep, end_text = text.partition("/")
    try:
        start: datetime | None = datetime.fromisoformat(start_text.strip())
        end: datetime | None = datetime.fromisoformat(end_text.strip())
    except ValueError:
        start = end = None
    if not sep or start is None or end is None:
        raise InputError(f"expected START/END in ISO 8601, got {text!r}", where="--window")
    if to_utc(end) <= to_utc(start):
        raise InputError(f"the window {text} is empty (it must end after it starts)", where="--window")
    return start, end


def _emit(stored: object, fmt: str) -> None:
    import json

    from governance.evidence.stage_render import render_stage
    from governance.evidence.stage_store import StoredStage

    assert isinstance(stored, StoredStage)
    typer.echo(json.dumps(stored.to_dict(), indent=2) if fmt == "json" else render_stage(stored))


def _traced(model: str, version: str, compute: Callable[[], object], inputs: list[str]) -> object:
    """Compute through `compute`, store (submitted by GOV_USER or the OS user) and record the lineage run."""
    from governance.errors import NotFoundError
    from governance.lineage.evidence_runs import record_stage_traced
    from governance.registry.service import get_model, get_version
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    engine = open_store()
    with session_scope(engine) as session:  # name the argument that is unknown
        for where, lookup in (
            ("MODEL", lambda: get_model(session, model)),
            ("VERSION", lambda: get_version(session, model, version)),
        ):
            try:
                lookup()
            except NotFoundError as exc:
                raise NotFoundError(exc.message, where=where, hint=exc.hint) from exc
    return record_stage_traced(engine, model, version, compute, inputs)  # type: ignore[arg-type]


def _compared_with(
    model: str, version: str, baseline: tuple[str, str] | None, champion: str | None, columns: bool
) -> dict[str, object] | None:
    """Whose scores the champion columns hold: --baseline MODEL VERSION, or the version deployed at --champion."""
    from governance.errors import InputError, NotFoundError
    from governance.gate.queries import deployed_version
    from governance.registry.service import get_version
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    if baseline is None and champion is None:
        if columns:
            raise InputError(
                "say whose scores the champion column holds: --baseline MODEL VERSION or --champion TARGET",
                where="--champion-score",
            )
        return None
    if baseline is not None and champion is not None:
        raise InputError("give --baseline or --champion, not both", where="--champion")
    if not columns:
        flag = "--champion" if champion is not None else "--baseline"
        raise InputError(
            f"{flag} needs the column with that version's scores on the same rows",
            where=flag,
            hint="give --champion-score COL or --champion-prediction COL",
        )
    with session_scope(open_store()) as session:
        _, mv = get_version(session, model, version)
        if champion is not None:
            found = deployed_version(session, model, champion, exclude=mv.version)
            if found is None:
                raise InputError(f"no other version of {model!r} has entered target {champion!r}", where="--champion")
            return {"model": model, "version": found, "target": champion}
        assert baseline is not None
        try:
            registered, other = get_version(session, baseline[0], baseline[1])
        except NotFoundError as exc:
            raise NotFoundError(exc.message, where="--baseline", hint=exc.hint) from exc
        return {"model": registered.name, "version": other.version, "target": None}


@app.command()
def performance(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(..., help="Model version (or alias)."),
    data: str = typer.Option(..., "--data", help="CSV or Parquet file with the label and score/prediction columns."),
    label: str = typer.Option(..., "--label", help="Ground-truth label column (binary)."),
    score: str = typer.Option(None, "--score", help="Score column: the probability of the positive class."),
    prediction: str = typer.Option(None, "--prediction", help="Prediction column (0/1); default score >= threshold."),
    positive: str = typer.Option(None, "--positive", help="Label value of the positive class; default 1 or true."),
    threshold: float = typer.Option(0.5, "--threshold", help="Score threshold of the predicted positive class."),
    baseline: tuple[str, str] = typer.Option(
        None, "--baseline", help="MODEL VERSION whose scores --champion-score holds (paired difference)."
    ),
    champion: str = typer.Option(
        None, "--champion", help="TARGET: compare with the version deployed there now (scores in --champion-score)."
    ),
    champion_score: str = typer.Option(None, "--champion-score", help="Column of the champion's/baseline's scores."),
    champion_prediction: str = typer.Option(
        None, "--champion-prediction", help="Column of the champion's/baseline's predictions (0/1)."
    ),
    cost_matrix: str = typer.Option(
        None, "--cost-matrix", help="Business cost per row of each outcome: tp=0,fp=1,tn=0,fn=5."
    ),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="Bootstrap resamples for the intervals (0: none)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level of the intervals."),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Compute and store performance evidence of MODEL VERSION: AUC, Gini, KS, log loss, Brier, ECE,
    accuracy, precision, recall, F1 (and the business cost), each with a bootstrap interval; with a
    champion or baseline scored on the same rows, the paired difference of each."""
    from dataclasses import replace

    from governance.evidence.performance import performance_from_file

    _format(fmt)
    costs = _numbers(cost_matrix, "--cost-matrix")
    against = _compared_with(
        model, version, baseline, champion, champion_score is not None or champion_prediction is not None
    )

    def compute() -> object:
        result = performance_from_file(
            data,
            label=label,
            score=score,
            prediction=prediction,
            positive=positive,
            champion_score=champion_score,
            champion_prediction=champion_prediction,
            threshold=threshold,
            cost_matrix=costs,
            resamples=bootstrap,
            confidence=confidence,
            seed=seed,
        )
        return replace(result, summary={**result.summary, "baseline": against}) if against else result

    _emit(_traced(model, version, compute, [data]), fmt)


@app.command()
def drift(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(..., help="Model version (or alias)."),
    reference: str = typer.Option(..., "--reference", help="Reference window: CSV or Parquet file."),
    current: str = typer.Option(..., "--current", help="Current window: CSV or Parquet file."),
    columns: str = typer.Option(None, "--columns", help="Features to compare, COL[,COL...]; default: all."),
    numeric: str = typer.Option(None, "--numeric", help="Columns to treat as numeric, COL[,COL...]."),
    categorical: str = typer.Option(None, "--categorical", help="Columns to treat as categorical, COL[,COL...]."),
    window: str = typer.Option(
        None, "--window", help="START/END (ISO 8601) of the current window; after deployment: monitoring evidence."
    ),
    time_column: str = typer.Option(
        None, "--time-column", help="Time column of --current: only rows in --window are compared."
    ),
    bh: bool = typer.Option(False, "--bh", help="Benjamini-Hochberg correction across the features' p-values."),
    method_numeric: str = typer.Option("auto", "--method-numeric", help="auto | ks | wasserstein | psi | ..."),
    method_categorical: str = typer.Option("auto", "--method-categorical", help="auto | chisquare | z | psi | ..."),
    threshold: float = typer.Option(None, "--threshold", help="Threshold of every deciding test (default: each's)."),
    share: float = typer.Option(0.5, "--share", help="Share of drifting features at which the dataset drifts."),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Compute and store drift evidence of MODEL VERSION between a reference and a current window: per
    feature PSI, KS or chi-square, Jensen-Shannon, Wasserstein, the deciding test and the share drifting."""
    from governance.errors import InputError, spelled
    from governance.evidence.drift import drift_from_files

    _format(fmt)
    start, end = _window(window)
    if time_column is not None and window is None:
        raise InputError("--time-column needs --window START/END", where="--time-column")
    for flag, given in (("--reference", reference), ("--current", current)):
        if "://" not in given and not Path(given).is_file():  # name the flag, not the reader's generic --data
            raise InputError(f"no such file: {given}", where=flag)

    def compute() -> object:
        with spelled({"bins": "--bins"}):
            try:
                return drift_from_files(
                    reference,
                    current,
                    columns=_split(columns),
                    numeric=_split(numeric),
                    categorical=_split(categorical),
                    method_numeric=method_numeric,
                    method_categorical=method_categorical,
                    threshold=threshold,
                    share=share,
                    correction="bh" if bh else None,
                    window_start=start,
                    window_end=end,
                    time_column=time_column,
                )
            except InputError as exc:
                if exc.where is None:  # an option's value: name the command line
                    exc.where = "options"
                raise

    _emit(_traced(model, version, compute, [reference, current]), fmt)


@app.command()
def abtest(
    model: str = typer.Argument(..., help="Registered model name (the treatment)."),
    version: str = typer.Argument(..., help="Model version (or alias)."),
    data: str = typer.Option(None, "--data", help="Per-unit rows (CSV or Parquet): a variant and an outcome column."),
    counts: str = typer.Option(
        None,
        "--counts",
        help="Per-variant totals: JSON {variant: {units, conversions}} or a CSV with a variant column.",
    ),
    variant: str = typer.Option("variant", "--variant", help="Variant column."),
    outcome: str = typer.Option("outcome", "--outcome", help="Outcome column (0/1 for conversion, else numbers)."),
    plan: str = typer.Option(
        ..., "--plan", help="Planned traffic split, VARIANT=SHARE[,...]: control first, e.g. control=0.5,treatment=0.5."
    ),
    control: str = typer.Option(None, "--control", help="Control variant; default the first in --plan."),
    treatment: str = typer.Option(None, "--treatment", help="Treatment variant; default the second in --plan."),
    metric: str = typer.Option(None, "--metric", help="conversion | mean; default from the data."),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level."),
    power: float = typer.Option(0.8, "--power", help="Power the minimum detectable effect is computed for."),
    sequential: str = typer.Option("msprt", "--sequential", help="msprt | none: the test that allows early looks."),
    order: str = typer.Option(None, "--order", help="Column giving the units' arrival order (for the looks)."),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Compute and store A/B test evidence: sample-ratio-mismatch check against the plan, z-test or
    Welch's t-test, the lift with its interval, power, minimum detectable effect, a sequential test and
    the verdict (win, lose or inconclusive)."""
    from governance.errors import InputError
    from governance.evidence.abtest import abtest_from_file

    _format(fmt)
    if (data is None) == (counts is None):
        raise InputError("give exactly one of --data (per-unit rows) or --counts (per-variant totals)", where="--data")
    shares = _numbers(plan, "--plan")
    assert shares is not None
    names = list(shares)
    if len(names) < 2 and (control is None or treatment is None):
        raise InputError("the plan names fewer than two variants", where="--plan")
    control = control or names[0]
    treatment = treatment or names[1]
    if sequential not in ("msprt", "none"):
        raise InputError(f"unknown sequential test {sequential!r}", where="--sequential", hint="msprt or none")
    path = data if data is not None else counts

    def compute() -> object:
        return abtest_from_file(
            path,
            counts=counts is not None,
            variant=variant,
            outcome=outcome,
            control=control,
            treatment=treatment,
            planned_split=shares,
            metric=metric,
            alpha=alpha,
            power=power,
            sequential=None if sequential == "none" else sequential,
            order=order,
        )

    _emit(_traced(model, version, compute, [path]), fmt)


@app.command()
def operational(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(..., help="Model version (or alias)."),
    load_test: str = typer.Option(
        ..., "--load-test", help="k6 --summary-export JSON, Locust *_stats.csv, or a CSV of request latencies."
    ),
    input_format: str = typer.Option("auto", "--input-format", help="k6 | locust | csv | auto (detected)."),
    window_seconds: float = typer.Option(None, "--window-seconds", help="Test duration, for a latency CSV."),
    interval: str = typer.Option("order", "--interval", help="order | bootstrap: latency quantile intervals."),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="Resamples when --interval bootstrap."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level of the intervals."),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Store operational evidence from a load test: p50/p95/p99 latency with intervals, throughput,
    error rate, peak memory/CPU when given."""
    from governance.errors import InputError
    from governance.evidence.operational import operational_from_file

    _format(fmt)
    wanted = {"k6": "k6", "locust": "locust", "csv": "latency_csv", "auto": None}
    if input_format not in wanted:
        raise InputError(
            f"unknown load-test format {input_format!r}", where="--input-format", hint="k6, locust, csv or auto"
        )

    def compute() -> object:
        result = operational_from_file(
            load_test,
            window_seconds=window_seconds,
            confidence=confidence,
            resamples=bootstrap,
            seed=seed,
            interval=interval,
        )
        expected = wanted[input_format]
        if expected is not None and result.summary.get("format") != expected:
            raise InputError(
                f"is a {result.summary.get('format')} file, not {input_format} (--input-format)", where=load_test
            )
        return result

    _emit(_traced(model, version, compute, [load_test]), fmt)


@app.command("import-ge")
def import_ge(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(..., help="Model version (or alias)."),
    file: str = typer.Argument(..., help="Great Expectations validation or checkpoint result (JSON)."),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Store a Great Expectations result as data-validation evidence (its own digest; nothing recomputed)."""
    from governance.evidence.import_ge import import_ge_result

    _format(fmt)
    _emit(_traced(model, version, lambda: import_ge_result(file), [file]), fmt)


@app.command("import-evidently")
def import_evidently(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(..., help="Model version (or alias)."),
    file: str = typer.Argument(..., help="Evidently 0.7 report snapshot (JSON) with a data drift preset."),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Store an Evidently data drift report as drift evidence (its own digest; nothing recomputed)."""
    from governance.evidence.import_evidently import import_evidently_snapshot

    _format(fmt)
    _emit(_traced(model, version, lambda: import_evidently_snapshot(file), [file]), fmt)


@app.command()
def stages(
    model: str = typer.Argument(..., help="Registered model name."),
    version: str = typer.Argument(None, help="Only this version."),
    kind: str = typer.Option(None, "--kind", help="Only this kind: performance, drift, data_validation, ..."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Stored validation-stage evidence of a model, by version then time."""
    import json

    from governance.evidence.stage_render import render_stage_list
    from governance.evidence.stage_store import list_stage_evidence
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    _format(fmt)
    with session_scope(open_store()) as session, _spelled():
        items = list_stage_evidence(session, model, version, kind)
    typer.echo(json.dumps([i.to_dict() for i in items], indent=2) if fmt == "json" else render_stage_list(items))


@app.command("stage")
def stage_show(
    evidence_id: int = typer.Argument(..., help="Stage evidence id (see `gov evidence stages`)."),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """One stored validation-stage result, as it was stored."""
    from governance.evidence.stage_store import get_stage_evidence
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    _format(fmt)
    with session_scope(open_store()) as session, _spelled():
        stored = get_stage_evidence(session, evidence_id)
    _emit(stored, fmt)


@app.command()
def history(
    model: str = typer.Argument(..., help="Registered model name."),
    metric: str = typer.Option(None, "--metric", help="Only this metric (auc, psi, latency_p95_ms, lift, ...)."),
    kind: str = typer.Option(None, "--kind", help="Only this kind: performance, drift, data_validation, ..."),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """The series of each stage metric of MODEL across versions (in creation order) and over time."""
    import json

    from governance.evidence.stage_render import render_history
    from governance.evidence.stage_store import history as series_of
    from governance.store.db import session_scope
    from governance.store.migrate import open_store

    _format(fmt)
    with session_scope(open_store()) as session, _spelled():
        series = series_of(session, model, metric, kind)
    typer.echo(json.dumps([s.to_dict() for s in series], indent=2) if fmt == "json" else render_history(series))


def _spelled() -> AbstractContextManager[None]:
    from governance.errors import spelled

    return spelled({"kind": "--kind", "evidence_id": "EVIDENCE_ID"})
