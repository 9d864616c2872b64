"""Random codes for links and the keyed hashes under which secrets are stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

# No 0/O, 1/l/I: codes are read aloud and typed from paper.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_code(length: int = 10) -> str:
    """A random, URL-safe, unambiguous code for open links and resume codes."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def keyed_hash(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of a secret under the deployment's key, separated by purpose.

    Stored instead of tokens, resume codes and panel codes, so a database dump alone
    cannot link or replay them.
    """
    key = current_app.config["PANEL_CODE_KEY"].encode()
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def normalise_code(value: str) -> str:
    """Codes are typed by people: ignore case, spaces and dashes."""
    return "".join(ch for ch in value.lower() if ch.isalnum())
