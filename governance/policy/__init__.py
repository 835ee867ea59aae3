"""Policy-as-code: loading, the evaluation context, rule kinds, the evaluator, the gate service, renderers."""
