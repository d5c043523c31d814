"""Reading loosely typed JSON fields: a provider may send null, a number or a list where we expect text."""
from __future__ import annotations


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def dicts(value) -> list[dict]:
    """The dict entries of a JSON array; anything else is no entries."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def text(value) -> str | None:
    """A non-blank string, stripped; None otherwise."""
    return (value.strip() or None) if isinstance(value, str) else None
