"""`gov evidence performance | drift | abtest | operational`: validation-stage evidence computed from
files."""

from __future__ import annotations

from pathlib import Path

import typer

from governance.cli.evidence.option_parsing import FORMAT_HELP, _format, _numbers, _split, _window
from governance.cli.evidence.stage_runs import _emit, _traced


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
