"""Evaluators' workspace: evaluations, outcome framework, instruments, fieldwork."""
