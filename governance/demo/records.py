"""The demo's records: lineage ingested, models registered with their history and cards, approvals, signing keys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from governance.demo.data import APPROVALS, CREDIT_RUN, EXAMPLES, FRAUD_RUN, HISTORY, rebased_examples


def ingest_and_register(engine: Any, say: Callable[[str], None]) -> None:
    from governance.lineage.ingest import ingest_objects
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import session_scope

    events, days = rebased_examples()
    report = ingest_objects(engine, events, source="lineage/examples")
    say(
        f"[1] ingested lineage/examples: {report.summary()} "
        f"(event times moved {days} days forward, so the evidence is as recent as the policies require)"
    )
    with session_scope(engine) as session:
        register_model(
            session,
            "credit-risk",
            owner="team:credit-models",
            risk_tier="high",
            description="Probability-of-default model for consumer loans",
            tags={"domain": "lending", "intended_use": "consumer loan approval, human review of declines"},
        )
        _earlier_credit_versions(session)
        register_version(
            session,
            "credit-risk",
            VersionSpec(
                version="3",
                artifact_uri="s3://bank-ml-lake/models/credit-risk/3",
                artifact_digest="sha256:" + "3c" * 32,
                created_by="alice",
                training_run_id=CREDIT_RUN,
                stage="staging",
            ),
        )
        register_model(
            session,
            "fraud-detector",
            owner="team:fraud",
            risk_tier="critical",
            description="Card-transaction fraud scoring",
            tags={"domain": "payments", "intended_use": "real-time card fraud screening"},
        )
        register_version(
            session,
            "fraud-detector",
            VersionSpec(
                version="7",
                artifact_uri="s3://bank-ml-lake/models/fraud-detector/7",
                artifact_digest="sha256:" + "7f" * 32,
                created_by="bob",
                training_run_id=FRAUD_RUN,
                stage="staging",
            ),
        )
        _attach_model_cards(session)
    say(
        "[2] registered credit-risk 3 (high risk, created by alice; versions 1 and 2 before it, 2 is the champion "
        "in production) and fraud-detector 7 (critical, created by bob)"
    )


def _earlier_credit_versions(session: Any) -> None:
    """credit-risk 1 (archived) and 2 (the champion in production), registered months ago: their validation
    history is what the trend across versions (and the degradation finding) reads."""
    from governance.registry.service import VersionSpec, get_version, register_version
    from governance.timeutil import utcnow

    for version, stage, age in HISTORY:
        register_version(
            session,
            "credit-risk",
            VersionSpec(
                version=version,
                artifact_uri=f"s3://bank-ml-lake/models/credit-risk/{version}",
                artifact_digest="sha256:" + f"{version}c" * 32,
                created_by="alice",
                stage=stage,
            ),
        )
        _, mv = get_version(session, "credit-risk", version)
        mv.created_at = utcnow() - age  # registered before the report's period: history, not activity
        session.add(mv)
    session.flush()


def _attach_model_cards(session: Any) -> None:
    """The model cards of lineage/examples/model_cards/ (fraud-detector's leaves two sections missing)."""
    from governance.registry.model_card import attach_card, read_card_file

    for name in ("credit-risk", "fraud-detector"):
        card = read_card_file(EXAMPLES / "model_cards" / f"{name}.yaml")
        attach_card(session, name, card, attached_by="gov-demo", source_name=f"{name}.yaml")


def lineage(engine: Any, say: Callable[[str], None]) -> None:
    from governance.lineage.graph import datasets_of_model_version
    from governance.store.db import session_scope

    with session_scope(engine) as session:
        data = datasets_of_model_version(session, "credit-risk", "3")
    say(
        f"[3] lineage: credit-risk 3 was trained on {len(data)} dataset(s), recursively: "
        + ", ".join(d.split(":", 1)[1] for d in data)
    )


def approvals(engine: Any, say: Callable[[str], None]) -> None:
    from governance.approvals.records import approve
    from governance.auth.errors import PermissionDenied
    from governance.store.db import session_scope

    for model, version, role, who, comment in APPROVALS:
        try:
            with session_scope(engine) as session:
                approve(session, model, version, role, approver=who, comment=comment)
        except PermissionDenied as exc:
            say(f"[5] approval: {who} tried to approve {model} {version} as {role}  <- refused: {exc.message}")
        else:
            say(f"[5] approval: {who} approved {model} {version} as {role}")


def keys(folder: Path, say: Callable[[str], None]) -> tuple[Any, Path]:
    from governance.signing.keys import CERT_FILE, KEY_FILE, init_keys, load_signer

    if (folder / KEY_FILE).exists() and (folder / CERT_FILE).exists():
        say(f"[6] signing key: reusing {folder}")
    else:
        init_keys(
            folder, algorithm="ecdsa", common_name="gov demo evaluation signer", organization="gov demo", force=True
        )
        say(f"[6] signing key: created {folder} (ECDSA P-256, self-signed evaluation certificate)")
    return load_signer(folder / KEY_FILE, folder / CERT_FILE), folder / CERT_FILE
