"""Revaluation's survey engine: pure Python, no web framework, no database."""
