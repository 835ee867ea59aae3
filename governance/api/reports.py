"""Report downloads from the configured reports folder. A name is a plain file name, nothing else:
no separators, no leading dot, and the resolved path must sit directly in the folder. Only report file
types are listed or served (PDF, JSON, JSON Lines attestations, HTML, CSV): a folder that also holds a
SQLite store (`gov demo` writes out/demo.db beside its reports) must not hand the store, its token hashes
or its -wal/-shm files to an auditor token."""

from __future__ import annotations

import re
from pathlib import Path as FsPath
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import FileResponse

from governance.api.errors import ERROR_RESPONSES
from governance.api.security import Requires
from governance.auth.roles import Permission
from governance.errors import InputError, NotFoundError

router = APIRouter(
    prefix="/api/v1/reports",
    tags=["reports"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(Requires(Permission.REPORT_READ))],
)
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".json": "application/json",
    ".jsonl": "application/x-ndjson",
    ".html": "text/html; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
}


def is_report_file(path: FsPath) -> bool:
    """A report, its attestation, results or export: the suffixes in MEDIA_TYPES, nothing else."""
    return path.suffix.lower() in MEDIA_TYPES


def resolve_report(root: FsPath, name: str) -> FsPath:
    """The file `name` directly inside `root`; InputError for an unsafe name, NotFoundError otherwise."""
    if not SAFE_NAME.match(name):
        raise InputError("a report name is a plain file name (letters, digits, . _ -; no separators)", where="name")
    base = root.resolve()
    candidate = (base / name).resolve()
    # Containment after resolving symlinks: a link inside the folder must not lead out of it.
    if candidate.parent != base or not candidate.is_file() or not is_report_file(candidate):
        raise NotFoundError(f"no report named {name!r}", hint="GET /api/v1/reports lists them")
    return candidate


@router.get("")
def list_reports(request: Request) -> list[dict[str, Any]]:
    """The files in the reports folder (name, size, modification time)."""
    from datetime import UTC, datetime

    from governance.timeutil import iso

    root = request.app.state.settings.reports()
    if not root.is_dir():
        return []
    out = []
    for path in sorted(root.iterdir()):
        if (
            SAFE_NAME.match(path.name)
            and is_report_file(path)
            and path.is_file()
            and path.resolve().parent == root.resolve()
        ):
            stat = path.stat()
            out.append(
                {
                    "name": path.name,
                    "bytes": stat.st_size,
                    "modified_at": iso(datetime.fromtimestamp(stat.st_mtime, UTC)),
                }
            )
    return out


@router.get("/{name}", response_class=FileResponse, responses={200: {"content": {"application/pdf": {}}}})
def download(request: Request, name: str = Path(..., max_length=255)) -> FileResponse:
    """One report file (signed PDF, its attestation, results JSON, ...)."""
    path = resolve_report(request.app.state.settings.reports(), name)
    suffix = path.suffix.lower()
    return FileResponse(path, media_type=MEDIA_TYPES.get(suffix, "application/octet-stream"), filename=path.name)
