"""`gov evidence`: fairness evaluations and validation-stage evidence (performance, drift, A/B tests,
operational load tests, Great Expectations and Evidently imports) bound to a model version and the digest
of their data; each computed result is stored and recorded as a lineage run whose inputs are the files read.

The package, by concern: `fairness` (fairness evaluations), `stage_compute` (stage evidence computed from
files), `stage_import` (imported results), `stage_views` (stored stage evidence), `stage_runs` (storing
and printing a stage result) and `option_parsing`. Each module imports only typer at module level; the
commands are registered here, in the order `gov evidence --help` lists them.
"""

from __future__ import annotations

import typer

from governance.cli.evidence.fairness import fairness, finish, list_evaluations, show
from governance.cli.evidence.stage_compute import abtest, drift, operational, performance
from governance.cli.evidence.stage_import import import_evidently, import_ge
from governance.cli.evidence.stage_views import history, stage_show, stages

app = typer.Typer(
    help="Evidence for the policy gate: fairness evaluations and validation-stage evidence.", no_args_is_help=True
)

app.command()(fairness)
app.command("list")(list_evaluations)
app.command()(show)
app.command()(finish)
app.command()(performance)
app.command()(drift)
app.command()(abtest)
app.command()(operational)
app.command("import-ge")(import_ge)
app.command("import-evidently")(import_evidently)
app.command()(stages)
app.command("stage")(stage_show)
app.command()(history)
