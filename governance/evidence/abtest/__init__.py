"""A/B test evidence: sample-ratio check, significance test, lift, power, and an mSPRT sequential test.

The package, by concern: `options` (option and traffic-plan checks), `arms` (per-variant sufficient
statistics), `stat_tests` (SRM, power, MDE, mSPRT, Wilson), `analysis` (the measurements, summary and
verdict; its docstring gives the methods), `from_units`, `from_counts` and `from_file` (the inputs).
"""

from __future__ import annotations

from governance.evidence.abtest.from_counts import abtest_from_counts
from governance.evidence.abtest.from_file import abtest_from_file
from governance.evidence.abtest.from_units import abtest_from_units
from governance.evidence.abtest.options import DEFAULT_LOOKS, METRICS, SEQUENTIAL, VERDICTS
from governance.evidence.abtest.stat_tests import msprt, normal_ind_mde, normal_ind_power, srm_check

__all__ = [
    "DEFAULT_LOOKS",
    "METRICS",
    "SEQUENTIAL",
    "VERDICTS",
    "abtest_from_counts",
    "abtest_from_file",
    "abtest_from_units",
    "msprt",
    "normal_ind_mde",
    "normal_ind_power",
    "srm_check",
]
