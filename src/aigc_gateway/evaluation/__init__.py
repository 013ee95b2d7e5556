"""Model evaluation: red-team and refusal suites, judges, the runner, scorecards, reports and
fact sheets (see docs/evaluation.md)."""
