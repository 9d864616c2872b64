"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

from revaluation import create_app

app = create_app()
