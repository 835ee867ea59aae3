"""Reading a Locust stats CSV into operational measurements.

- **Locust `*_stats.csv`**: the "Aggregated" row, columns 50% / 95% / 99%, Requests/s, Request Count,
  Failure Count. Locust rounds its percentiles (two significant figures) and gives no interval either.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from governance.errors import InputError
from governance.evidence.operational.counted import error_rate_measurement, throughput_measurement
from governance.evidence.operational.measurement_names import PERCENTILES
from governance.evidence.stage import Measurement


def _read_locust(data: bytes, where: str, confidence: float) -> tuple[list[Measurement], dict[str, Any], int]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    agg = [r for r in rows if (r.get("Name") or "").strip() == "Aggregated"]
    if not agg:
        raise InputError("Locust stats file has no 'Aggregated' row (column Name)", where=where)
    row = agg[-1]

    def col(name: str, required: bool = True) -> float | None:
        raw = row.get(name)
        if raw is None or raw.strip() in ("", "N/A"):
            if required:
                raise InputError(f"Locust stats file: column {name!r} is missing in the Aggregated row", where=where)
            return None
        try:
            v = float(raw)
        except ValueError:
            raise InputError(f"Locust stats file: column {name!r} is not a number: {raw!r}", where=where) from None
        if not math.isfinite(v):
            raise InputError(f"Locust stats file: column {name!r} is not finite", where=where)
        return v

    ms: list[Measurement] = []
    reported: dict[str, Any] = {}
    for name, q in PERCENTILES:
        v = col(f"{q:g}%", required=False)
        if v is None:
            reported[name] = "not reported"
        else:
            ms.append(
                Measurement(
                    name,
                    v,
                    higher_is_better=False,
                    detail={"locust": f"{q:g}%", "interval": "none: Locust reports aggregates"},
                )
            )
    count = col("Request Count")
    assert count is not None
    fails = col("Failure Count")
    assert fails is not None
    rate = col("Requests/s", required=False)
    if rate is not None:
        ms.append(throughput_measurement(count, rate, confidence))
    if count > 0:
        ms.append(error_rate_measurement(fails, count, confidence))
    for key in ("Average Response Time", "Max Response Time", "Median Response Time"):
        v = col(key, required=False)
        if v is not None:
            reported[key.lower().replace(" ", "_") + "_ms"] = v
    reported["endpoints"] = len([r for r in rows if (r.get("Name") or "").strip() != "Aggregated"])
    reported["latency_interval"] = "none: Locust reports percentiles only as (rounded) aggregates"
    return ms, reported, int(count)
