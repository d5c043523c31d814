"""Parsing the platforms' ISO 8601 timestamps into aware UTC datetimes."""
from __future__ import annotations

from datetime import datetime, timezone


def parse_timestamp(value: str) -> datetime:
    """Parse ISO 8601 (with offset or Z); a value without offset is taken as UTC."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def optional_timestamp(value) -> datetime | None:
    """Parse a timestamp field that may be null or empty; raise ValueError on garbage."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"timestamp must be a string, got {type(value).__name__}")
    return parse_timestamp(value)
