"""Respondent pages: answering a wave's instrument on a phone."""
