"""The deployment gate: gather a version's context, evaluate, store the decision, render it, append to the ledger."""
