"""Scorecard criteria: each a small pure function of a ScorecardContext, returning met or missed with the
evidence that decided it. Except A (every version), G (the model's waivers) and I (the latest versions),
a criterion looks at the model's current version: the most recently registered one as of the context's time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from governance.approvals.rules import duty_conflict, waiver_status
from governance.scorecard.context import STAGES, ScorecardContext, ValidationFact, VersionFacts
from governance.timeutil import iso

_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
DRIFT_MARKERS = frozenset({"drift", "psi"})  # words in a check's name that make it a drift check
SHOWN = 6  # evidence lines listed per criterion before "and N more"


@dataclass(frozen=True)
class CriterionResult:
    key: str
    met: bool
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "met": self.met, "evidence": list(self.evidence)}


def _short(digest: str) -> str:
    return digest[:19] + "…" if len(digest) > 20 else digest


def _cap(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= SHOWN:
        return tuple(lines)
    return (*lines[:SHOWN], f"… and {len(lines) - SHOWN} more")


def _no_version(key: str, ctx: ScorecardContext) -> CriterionResult:
    return CriterionResult(key, False, (f"no version of {ctx.model.name} was registered before {iso(ctx.as_of)}",))


def _label(v: VersionFacts) -> str:
    return f"version {v.version}"


def versioned_artifacts(ctx: ScorecardContext) -> CriterionResult:
    """A: every registered version names its artifact and its sha256 digest."""
    versions = ctx.versions
    if not versions:
        return _no_version("A", ctx)
    lines: list[str] = []
    ok = True
    for v in reversed(versions):
        if not v.artifact_uri or not _DIGEST.match(v.artifact_digest):
            ok = False
            lines.insert(
                0,
                f"{_label(v)}: artifact {v.artifact_uri or 'not named'}, digest "
                f"{v.artifact_digest or 'missing'} is not sha256:<64 hex>",
            )
        else:
            lines.append(f"{_label(v)}: {v.artifact_uri} = {_short(v.artifact_digest)}")
    return CriterionResult("A", ok, _cap(lines))


def lineage_coverage(ctx: ScorecardContext) -> CriterionResult:
    """B: the current version's training run is in the lineage store and read at least one dataset."""
    cur = ctx.current
    if cur is None:
        return _no_version("B", ctx)
    known = [v for v in ctx.versions if _lineage_known(v, ctx)]
    coverage = f"{len(known)} of {len(ctx.versions)} version(s) have known training lineage"
    if cur.training_run_id is None:
        return CriterionResult("B", False, (f"{_label(cur)} records no training run", coverage))
    if not _lineage_known(cur, ctx):
        why = (
            "is not in the lineage store"
            if cur.run_seen_at is None or not cur.run_seen_at < ctx.as_of
            else "read no dataset"
        )
        return CriterionResult("B", False, (f"{_label(cur)}: training run {cur.training_run_id} {why}", coverage))
    return CriterionResult(
        "B",
        True,
        (f"{_label(cur)}: training run {cur.training_run_id} read {cur.training_inputs} dataset(s)", coverage),
    )


def _lineage_known(v: VersionFacts, ctx: ScorecardContext) -> bool:
    return (
        v.training_run_id is not None
        and v.run_seen_at is not None
        and v.run_seen_at < ctx.as_of
        and v.training_inputs > 0
    )


def validation_gates(ctx: ScorecardContext) -> CriterionResult:
    """C: validation evidence for the current version in all four stages."""
    cur = ctx.current
    if cur is None:
        return _no_version("C", ctx)
    items = ctx.validation(cur)
    lines, ok = [], True
    for stage in STAGES:
        names = sorted({i.name for i in items if i.stage == stage})
        if names:
            shown = ", ".join(names[:4]) + (f" (+{len(names) - 4})" if len(names) > 4 else "")
            lines.append(f"{stage}: {len(names)} check(s): {shown}")
        else:
            ok = False
            lines.append(f"{stage}: no evidence for {_label(cur)}")
    return CriterionResult("C", ok, tuple(lines))


def _is_drift(name: str) -> bool:
    return bool(DRIFT_MARKERS & set(re.split(r"[^a-z0-9]+", name.lower())))


def _is_monitoring(i: ValidationFact) -> bool:
    """A drift check, or a performance measurement: the two kinds of monitoring evidence."""
    return _is_drift(i.name) or i.stage == "model_performance"


def _post_deployment(
    ctx: ScorecardContext, v: VersionFacts, *, recent: bool = True
) -> tuple[list[ValidationFact], list[str]]:
    """The version's monitoring evidence over a window that starts at or after it entered the monitoring
    target (and, if `recent`, within the drift window before `as_of`), and one line per candidate."""
    target = ctx.settings.monitoring_target
    entered = ctx.entered(v)
    if entered is None:
        return [], [
            f"{_label(v)} has not entered {target} (no deployable gate decision for {target}): "
            "monitoring evidence can only follow a deployment"
        ]
    window = ctx.settings.drift_window
    candidates = sorted(
        (i for i in ctx.validation(v) if _is_monitoring(i)), key=lambda i: i.at or ctx.as_of, reverse=True
    )
    lines = [f"{_label(v)} entered {target} at {iso(entered.at)} (decision {entered.id[:8]})"]
    found: list[ValidationFact] = []
    for i in candidates:
        state = {True: "passed", False: "failed", None: "no result"}[i.success]
        if i.window_start is None:
            why = "states no data window: not counted"
        elif i.window_start < entered.at:
            why = f"window starts {iso(i.window_start)}, before the deployment: a pre-deployment check"
        elif recent and ctx.as_of - i.window_start > window:
            why = f"window starts {iso(i.window_start)}, outside the {window.days}-day window"
        else:
            why = f"window starts {iso(i.window_start)}, after the deployment: counted"
            found.append(i)
        lines.append(f"{i.name} ({i.stage}, {state}): {why}")
    if not candidates:
        lines.append(f"no drift check or performance measurement recorded for {_label(v)}")
    return found, lines


def monitoring(ctx: ScorecardContext) -> CriterionResult:
    """D: drift or performance evidence over a production window that starts after the current version
    entered the monitoring target; never training recency or a pre-deployment check."""
    cur = ctx.current
    if cur is None:
        return _no_version("D", ctx)
    found, lines = _post_deployment(ctx, cur)
    return CriterionResult("D", bool(found), tuple(lines))


def policy_gate(ctx: ScorecardContext) -> CriterionResult:
    """E: the current version passes the gate: its latest decision is deployable, with enforce-mode policies
    in scope and none erroring. A version whose latest decision is blocked does not meet E."""
    cur = ctx.current
    if cur is None:
        return _no_version("E", ctx)
    decisions = ctx.decisions(cur)
    if not decisions:
        return CriterionResult("E", False, (f"no gate decision (gov check) recorded for {_label(cur)}",))
    d = decisions[0]
    outcome = "deployable" if d.deployable else "blocked"
    line = (
        f"decision {d.id[:8]} ({d.target}, {iso(d.at)}, {outcome}): {d.policies} policies in scope, "
        f"{d.enforced} enforced; kinds {', '.join(d.kinds) or 'none'}"
    )
    lines = [line] + ([f"{len(decisions) - 1} earlier decision(s)"] if len(decisions) > 1 else [])
    if d.enforced == 0:
        return CriterionResult("E", False, (*lines, "no enforce-mode policy was in scope: the gate cannot block"))
    if d.errors:
        return CriterionResult("E", False, (*lines, f"{d.errors} policy evaluation(s) ended in error"))
    if not d.deployable:
        return CriterionResult("E", False, (*lines, f"the latest decision blocked {_label(cur)}: it does not pass"))
    return CriterionResult("E", True, tuple(lines))


def sustained(ctx: ScorecardContext) -> CriterionResult:
    """I: sustained evidence: each of the latest N versions entered the monitoring target through the gate
    and has post-deployment monitoring evidence, and the first of them entered it at least the sustained
    span before `as_of` (defaults: 3 versions, 180 days)."""
    if ctx.current is None:
        return _no_version("I", ctx)
    n, span, target = ctx.settings.sustained_versions, ctx.settings.sustained_span, ctx.settings.monitoring_target
    versions = ctx.versions
    lines = [f"needs the latest {n} versions deployed to {target} and monitored, over at least {span.days} days"]
    ok = len(versions) >= n
    if not ok:
        lines.append(f"only {len(versions)} version(s) registered")
    latest = versions[-n:]
    for v in reversed(latest):
        found, _ = _post_deployment(ctx, v, recent=False)
        entered = ctx.entered(v)
        if entered is None:
            ok = False
            lines.append(f"{_label(v)}: never entered {target}")
        elif not found:
            ok = False
            lines.append(f"{_label(v)}: entered {target} at {iso(entered.at)}, no post-deployment monitoring evidence")
        else:
            lines.append(f"{_label(v)}: entered {target} at {iso(entered.at)}, monitored ({found[0].name})")
    first = ctx.entered(latest[0]) if len(latest) >= n else None
    if first is not None:
        months = (ctx.as_of - first.at).days
        if ctx.as_of - first.at < span:
            ok = False
            lines.append(f"the evidence spans {months} day(s), under {span.days}")
        else:
            lines.append(f"the evidence spans {months} day(s)")
    return CriterionResult("I", ok, tuple(lines))


def approvals_sod(ctx: ScorecardContext) -> CriterionResult:
    """F: the current artifact is approved by someone who neither created it nor wrote its training run, and
    nobody who did approved it (a recorded self-approval is a separation-of-duties breach, counted or not)."""
    cur = ctx.current
    if cur is None:
        return _no_version("F", ctx)
    approvals = ctx.approvals(cur)
    if not approvals:
        return CriterionResult("F", False, (f"no approval recorded for {_label(cur)}",))
    lines, independent, violations = [], 0, 0
    for a in approvals:
        if a.artifact_digest != cur.artifact_digest:
            why = f"approved another artifact ({_short(a.artifact_digest)})"
        elif (conflict := duty_conflict(a.approver, created_by=cur.created_by, authors=cur.authors)) is not None:
            why = f"violates separation of duties: {conflict}"
            violations += 1
        else:
            why = "independent"
            independent += 1
        lines.append(f"{a.approver} as {a.role} at {iso(a.at)}: {why}")
    if cur.training_run_id is not None and not cur.authors:
        lines.append("the training run records no author, so independence from it cannot be shown")
        return CriterionResult("F", False, _cap(lines))
    if violations:
        lines.insert(0, f"{violations} approval(s) by the version's own creator or training-run author were recorded")
    return CriterionResult("F", independent > 0 and not violations, _cap(lines))


def waiver_hygiene(ctx: ScorecardContext) -> CriterionResult:
    """G: every waiver of the model has a ticket and a reason and expires within the maximum lifetime."""
    waivers = ctx.waivers()
    limit = ctx.settings.max_waiver_lifetime
    if not waivers:
        return CriterionResult("G", True, (f"no waiver of {ctx.model.name} recorded",))
    lines, ok = [], True
    for w in waivers:
        problems = []
        if not w.ticket.strip():
            problems.append("no ticket")
        if not w.reason.strip():
            problems.append("no reason")
        lifetime = w.expires_at - w.created_at
        if lifetime > limit:
            problems.append(f"runs {lifetime.days} days, over the {limit.days}-day maximum")
        ok = ok and not problems
        state = waiver_status(w, ctx.as_of)
        verdict = "; ".join(problems) if problems else f"{lifetime.days} days, ticket and reason recorded"
        lines.append(f"waiver {w.id} of {w.policy_id} ({w.ticket or 'no ticket'}, {state}): {verdict}")
    return CriterionResult("G", ok, _cap(lines))


def reproducible_decisions(ctx: ScorecardContext) -> CriterionResult:
    """H: the current version's latest decision replays from its stored context and policy texts."""
    cur = ctx.current
    if cur is None:
        return _no_version("H", ctx)
    decisions = ctx.decisions(cur)
    if not decisions:
        return CriterionResult("H", False, (f"no decision of {_label(cur)} to reproduce",))
    d = decisions[0]
    if d.replayed is None:
        return CriterionResult("H", False, (f"decision {d.id[:8]} was not replayed: {d.replay_note or 'unknown'}",))
    if not d.replayed:
        return CriterionResult("H", False, (f"decision {d.id[:8]} does not reproduce: {d.replay_note}",))
    return CriterionResult(
        "H",
        True,
        (f"decision {d.id[:8]} replayed from its stored context and policy texts: identical verdicts and exit code",),
    )
