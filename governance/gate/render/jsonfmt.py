"""JSON: the report document itself (schema `gov.check/1`), keys sorted."""

from __future__ import annotations

import json

from governance.gate.report import CheckReport


class JsonOutputter:
    name = "json"
    media_type = "application/json"

    def render(self, report: CheckReport) -> str:
        return json.dumps(report.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
