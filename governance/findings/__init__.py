"""The findings register: every failing, warned, inconclusive, not-evaluated or out-of-policy item of a
gate decision, kept across checks with an owner, a due date and a status (docs/findings.md)."""
