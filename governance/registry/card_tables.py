"""The model card table: every card attached to a registered model, append-only (the newest is current)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class ModelCard(SQLModel, table=True):
    """One attached model card. Never updated nor deleted: attaching again adds a row."""

    __tablename__ = "model_card"
    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="registered_model.id", index=True)
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # the card as validated
    digest: str = Field(max_length=80)  # sha256 of the card's canonical JSON
    source_name: str = Field(max_length=256)  # the file name it was read from (never a path), or `api`
    attached_by: str = Field(max_length=256)
    attached_at: datetime
