"""Where the top-level data folders are: `policies/`, `reports/` and `lineage/`.

In a source checkout (and the editable install `scripts/bootstrap.sh` makes) they are the repository's
own folders beside `governance/`. A wheel carries copies inside the package, as
`governance/_assets/<folder>` (setup.py copies them at build time), so an installed `gov` finds its
templates, facet schemas, policy schema, default policy pack and demo data without the source tree.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
FOLDERS = ("policies", "reports", "lineage")


def asset_path(folder: str, *parts: str) -> Path:
    """`folder/parts...` in the source tree if it is there, else in the installed package's copy."""
    if folder not in FOLDERS:
        raise ValueError(f"not a data folder: {folder}")
    source = _PACKAGE.parent.joinpath(folder, *parts)
    if source.exists():
        return source
    packaged = _PACKAGE.joinpath("_assets", folder, *parts)
    return packaged if packaged.exists() else source  # a missing file is reported by its source path
