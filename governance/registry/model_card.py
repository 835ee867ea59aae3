"""Model cards: the description of a registered model (purpose, intended use, users, out-of-scope uses,
limitations, assumptions, risk tier and its rationale, owner, contact, references) that the audit report
quotes. A card is a YAML or JSON document checked against policies/schema/model_card.schema.json; a bad
card is one InputError naming the file and the field, and nothing is stored.

Cards are append-only (table `model_card`): attaching a new one adds a row with its digest, who attached
it and when; the newest is current, the earlier ones are kept. Every section is optional: a section the
card leaves out is reported as missing, never hidden.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from governance.assets import asset_path
from governance.errors import ConfigError, InputError

SCHEMA_FILE = asset_path("policies", "schema", "model_card.schema.json")
MAX_BYTES = 1_000_000
# (key, title) in the order a reader expects them.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("purpose", "Purpose"),
    ("intended_use", "Intended use"),
    ("users", "Users"),
    ("out_of_scope_uses", "Out-of-scope uses"),
    ("limitations", "Limitations"),
    ("assumptions", "Assumptions"),
    ("risk_tier", "Risk tier"),
    ("risk_tier_rationale", "Risk-tier rationale"),
    ("owner", "Owner"),
    ("contact", "Contact"),
    ("references", "References"),
)
SECTION_KEYS = tuple(k for k, _ in SECTIONS)
TIERS = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class CardSection:
    key: str
    title: str
    items: tuple[str, ...]  # empty: the card does not say (shown as "missing")

    @property
    def missing(self) -> bool:
        return not self.items


@dataclass(frozen=True)
class ModelCardView:
    """A model's current card as the report and `gov registry describe` show it."""

    model: str
    attached: bool  # False: no card attached, every section missing
    sections: tuple[CardSection, ...]
    digest: str | None
    attached_by: str | None
    attached_at: datetime | None
    source_name: str | None
    revisions: int  # cards attached so far (the earlier ones are kept)
    registry_risk_tier: str | None
    notes: tuple[str, ...] = ()

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(s.title for s in self.sections if s.missing)

    def to_dict(self) -> dict[str, Any]:
        """For the report's results.json: every section (missing ones with `missing: true`)."""
        from governance.timeutil import iso

        return {
            "model": self.model,
            "attached": self.attached,
            "sections": [{"key": s.key, "items": list(s.items), "missing": s.missing} for s in self.sections],
            "missing": [s.key for s in self.sections if s.missing],
            "digest": self.digest,
            "attached_by": self.attached_by,
            "attached_at": iso(self.attached_at) if self.attached_at else None,
            "revisions": self.revisions,
            "registry_risk_tier": self.registry_risk_tier,
            "notes": list(self.notes),
        }


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    try:
        schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"the model card JSON Schema is missing: {exc.strerror}", where=str(SCHEMA_FILE), hint="reinstall gov"
        ) from exc
    return Draft202012Validator(schema)


def _yaml_lines(text: str) -> dict[str, int]:
    """{top-level key: 1-based line} of a YAML mapping (best effort: {} when it is not one)."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def parse_card(text: str, name: str) -> dict[str, Any]:
    """A card from YAML or JSON text (JSON when `name` ends in .json), validated; InputError naming `name`
    and the field (with its line for YAML) otherwise."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise InputError(f"a model card may not exceed {MAX_BYTES} bytes", where=name)
    lines: dict[str, int] = {}
    if name.lower().endswith(".json"):
        from governance import jsonsafe

        try:
            data = jsonsafe.loads(text)
        except InputError as exc:
            raise InputError(f"not valid JSON: {exc.message}", where=name) from None
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f"{name}:{mark.line + 1}" if mark is not None else name
            problem = getattr(exc, "problem", None) or "cannot be parsed"
            raise InputError(f"not valid YAML: {problem}", where=at) from None
        lines = _yaml_lines(text)
    return validate_card(data, name, lines=lines)


def validate_card(data: Any, name: str, *, lines: dict[str, int] | None = None) -> dict[str, Any]:
    """`data` if it is a valid card; InputError naming `name` and the first bad field otherwise."""
    if not isinstance(data, dict):
        raise InputError("a model card must be a mapping of sections (purpose, intended_use, ...)", where=name)
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return dict(data)
    err = errors[0]
    path = [str(p) for p in err.absolute_path]
    field = path[0] if path else None
    if err.validator == "additionalProperties":
        unknown = sorted(str(k) for k in data if k not in SECTION_KEYS and k != "schema")
        field = unknown[0] if unknown else None
        message = f"unknown section; known: {', '.join(SECTION_KEYS)}"
    elif err.validator == "minProperties":
        message = "the card is empty: give at least one section"
    elif field == "risk_tier":
        message = f"must be one of {', '.join(TIERS)}, got {data.get('risk_tier')!r}"
    elif field == "schema":
        message = "must be gov.model-card/1 when given"
    else:
        message = "must be a non-empty text or a list of non-empty texts"
        if len(path) > 1:
            message = f"item {path[1]} must be a non-empty text"
    line = (lines or {}).get(field or "")
    where = f"{name}:{line}" if line else name
    raise InputError(f"{field}: {message}" if field else message, where=where)


def read_card_file(path: Path) -> dict[str, Any]:
    """Read and validate a card file (YAML, or JSON for *.json)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the model card: {exc.strerror}", where=str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the model card is not UTF-8 text", where=str(path)) from None
    return parse_card(text, str(path))


def card_digest(card: dict[str, Any]) -> str:
    from governance.digest import json_sha256

    return json_sha256(card)


def attach_card(
    session: Session, model: str, card: dict[str, Any], *, attached_by: str, source_name: str
) -> tuple[Any, bool]:
    """Attach `card` (validated again) to `model`: (row, created). The same card as the current one is a
    no-op; any other card becomes current and the earlier ones are kept."""
    from governance.identity import normalise_identity
    from governance.registry.card_tables import ModelCard
    from governance.registry.service import get_model
    from governance.timeutil import utcnow

    registered = get_model(session, model)
    card = validate_card(card, source_name)
    assert registered.id is not None
    digest = card_digest(card)
    current = current_card(session, registered.id)
    if current is not None and current.digest == digest:
        return current, False
    row = ModelCard(
        model_id=registered.id,
        content=card,
        digest=digest,
        source_name=Path(source_name).name[:256] or "card",
        attached_by=normalise_identity(attached_by, field="attached_by"),
        attached_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row, True


def card_history(session: Session, model_id: int) -> list[Any]:
    """Every card attached to the model, newest first."""
    from governance.registry.card_tables import ModelCard

    return list(
        session.exec(select(ModelCard).where(ModelCard.model_id == model_id).order_by(col(ModelCard.id).desc())).all()
    )


def history_of(session: Session, model: str) -> list[Any]:
    """Every card attached to the model named `model`, newest first (NotFoundError for an unknown model)."""
    from governance.registry.service import get_model

    registered = get_model(session, model)
    assert registered.id is not None
    return card_history(session, registered.id)


def current_card(session: Session, model_id: int) -> Any | None:
    from governance.registry.card_tables import ModelCard

    return session.exec(
        select(ModelCard).where(ModelCard.model_id == model_id).order_by(col(ModelCard.id).desc()).limit(1)
    ).first()


def _items(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v) for v in value if str(v).strip())
    return (str(value),) if str(value).strip() else ()


def view_of(model: Any, row: Any | None, revisions: int) -> ModelCardView:
    """The view of `model`'s card `row` (None: no card attached)."""
    from governance.timeutil import to_utc

    content: dict[str, Any] = dict(row.content) if row is not None else {}
    sections = tuple(CardSection(k, t, _items(content.get(k))) for k, t in SECTIONS)
    notes = []
    tier = content.get("risk_tier")
    if tier and tier != model.risk_tier:
        notes.append(f"the card says risk tier {tier}; the registry records {model.risk_tier}")
    return ModelCardView(
        model=model.name,
        attached=row is not None,
        sections=sections,
        digest=row.digest if row is not None else None,
        attached_by=row.attached_by if row is not None else None,
        attached_at=to_utc(row.attached_at) if row is not None else None,
        source_name=row.source_name if row is not None else None,
        revisions=revisions,
        registry_risk_tier=model.risk_tier,
        notes=tuple(notes),
    )


def card_view(session: Session, model: str) -> ModelCardView:
    """The current card of `model` (NotFoundError for an unknown model)."""
    from governance.registry.service import get_model

    registered = get_model(session, model)
    assert registered.id is not None
    history = card_history(session, registered.id)
    return view_of(registered, history[0] if history else None, len(history))


def card_views(session: Session, models: list[Any]) -> dict[str, ModelCardView]:
    """{model name: view} for several registered models in one query (the report's path)."""
    from governance.registry.card_tables import ModelCard

    ids = [m.id for m in models if m.id is not None]
    rows = (
        session.exec(select(ModelCard).where(col(ModelCard.model_id).in_(ids)).order_by(col(ModelCard.id).desc())).all()
        if ids
        else []
    )
    newest: dict[int, Any] = {}
    counts: dict[int, int] = {}
    for r in rows:
        newest.setdefault(r.model_id, r)
        counts[r.model_id] = counts.get(r.model_id, 0) + 1
    return {m.name: view_of(m, newest.get(m.id), counts.get(m.id, 0)) for m in models}


def view_to_dict(view: ModelCardView, history: list[Any] | None = None) -> dict[str, Any]:
    from governance.timeutil import iso

    card = {s.key: (list(s.items) if len(s.items) != 1 else s.items[0]) for s in view.sections if not s.missing}
    out: dict[str, Any] = {
        "model": view.model,
        "attached": view.attached,
        "card": card if view.attached else None,
        "missing": [s.key for s in view.sections if s.missing],
        "digest": view.digest,
        "attached_by": view.attached_by,
        "attached_at": iso(view.attached_at) if view.attached_at else None,
        "source_name": view.source_name,
        "revisions": view.revisions,
        "notes": list(view.notes),
    }
    if history is not None:
        out["history"] = [
            {
                "digest": h.digest,
                "attached_by": h.attached_by,
                "attached_at": iso(h.attached_at),
                "source": h.source_name,
            }
            for h in history
        ]
    return out


def view_text(view: ModelCardView) -> str:
    """What `gov registry describe MODEL` prints: every section, the missing ones named as missing."""
    from governance.timeutil import iso

    if view.attached:
        head = [
            f"model card of {view.model}: {view.digest}",
            f"attached {iso(view.attached_at) if view.attached_at else '-'} by {view.attached_by} "
            f"from {view.source_name} (card {view.revisions} of {view.revisions}; earlier ones kept)",
        ]
    else:
        head = [
            f"no model card attached to {view.model}: every section is missing",
            f"(attach one with `gov registry describe {view.model} --card FILE`)",
        ]
    lines = [*head, ""]
    for s in view.sections:
        if s.missing:
            lines.append(f"{s.title}: MISSING")
        elif len(s.items) == 1:
            lines.append(f"{s.title}: {s.items[0]}")
        else:
            lines.append(f"{s.title}:")
            lines += [f"  - {item}" for item in s.items]
    lines += [f"note: {n}" for n in view.notes]
    if view.attached and view.missing:
        lines.append(f"missing sections: {', '.join(view.missing)}")
    return "\n".join(lines)
