"""Approvals, waivers and separation of duties: the one home of those rules."""
