"""Results pages for evaluators and commissioners."""
