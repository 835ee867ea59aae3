"""A/B test evidence of a file (per-unit rows, or per-variant totals), as a StageResult."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.errors import InputError
from governance.evidence.abtest.from_counts import abtest_from_counts
from governance.evidence.abtest.from_units import abtest_from_units
from governance.evidence.abtest.options import DEFAULT_LOOKS
from governance.evidence.stage import StageResult, logical_name

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]


def _read_table(path: Path) -> pd.DataFrame:
    import pandas as pd

    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except FileNotFoundError:
        raise InputError("file not found", where=str(path)) from None
    except Exception as exc:  # noqa: BLE001 - pandas raises many kinds; one line for the user
        raise InputError(f"cannot read as a table: {' '.join(str(exc).split())[:200]}", where=str(path)) from None


def abtest_from_file(
    path: str,
    *,
    counts: bool = False,
    variant: str = "variant",
    outcome: str = "outcome",
    control: str = "control",
    treatment: str = "treatment",
    planned_split: dict[str, float] | None = None,
    metric: str | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    sequential: str | None = "msprt",
    srm_alpha: float = 0.001,
    mixing_sd: float = 0.1,
    looks: int = DEFAULT_LOOKS,
    order: str | None = None,
    higher_is_better: bool = True,
    data_source: str | None = None,
) -> StageResult:
    """A/B test evidence from a file: per-unit rows (CSV/Parquet), or with `counts=True` per-variant totals
    (CSV with a `variant` column and units,conversions or n,mean,std columns; or a JSON object
    variant -> totals)."""
    import scipy  # type: ignore[import-untyped]

    from governance import __version__
    from governance.digest import file_sha256

    p = Path(path)
    where = str(p)
    if not p.is_file():
        raise InputError("file not found", where=where)
    digest = file_sha256(p)
    if counts:
        if p.suffix.lower() == ".json":
            from governance import jsonsafe

            try:
                data = jsonsafe.loads(p.read_bytes())
            except InputError as exc:
                raise InputError(exc.one_line(), where=where) from None
            if not isinstance(data, dict):
                raise InputError("expected a JSON object variant -> totals", where=where)
            totals: dict[str, dict[str, Any]] = data
        else:
            table = _read_table(p)
            if variant not in table.columns:
                raise InputError(f"column {variant!r} not found", where=where)
            totals = {str(r[variant]): {k: v for k, v in r.items() if k != variant} for r in table.to_dict("records")}
        ms, summary = abtest_from_counts(
            totals,
            control=control,
            treatment=treatment,
            planned_split=planned_split,
            metric=metric,
            alpha=alpha,
            power=power,
            sequential=sequential,
            srm_alpha=srm_alpha,
            mixing_sd=mixing_sd,
            higher_is_better=higher_is_better,
            where=where,
        )
        rows = sum(int(v.get("units", v.get("n", 0))) for v in totals.values())
    else:
        frame = _read_table(p)
        ms, summary = abtest_from_units(
            frame,
            variant=variant,
            outcome=outcome,
            control=control,
            treatment=treatment,
            planned_split=planned_split,
            metric=metric or "conversion",
            alpha=alpha,
            power=power,
            sequential=sequential,
            srm_alpha=srm_alpha,
            mixing_sd=mixing_sd,
            looks=looks,
            order=order,
            higher_is_better=higher_is_better,
            where=where,
        )
        rows = len(frame)
    return StageResult(
        kind="abtest",
        measurements=tuple(ms),
        summary=summary,
        row_count=rows,
        data_digest=digest,
        digest_scope="file",
        data_source=data_source or logical_name(p),
        source="computed",
        tool_version=f"gov {__version__}; scipy {scipy.__version__}",
        confidence=1 - alpha,
    )
