"""What every platform's payload mapping shares: reading the body, a topic's mapper, money,
timestamps (ISO 8601 into aware UTC), shape errors."""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from connectors.base import IgnoredEvent, MalformedPayload, ParsedEvent

# What a field of the wrong shape raises inside a mapping (a list where an object belongs,
# null for a list, "abc" for a price): the payload is malformed, the job must not retry.
SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, InvalidOperation)


def json_object(body: bytes) -> dict:
    """The body as a JSON object, or MalformedPayload (not JSON, nested too deep, not an object)."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedPayload(f"body is not JSON: {type(exc).__name__}") from exc
    if not isinstance(payload, dict):
        raise MalformedPayload("body is not a JSON object")
    return payload


def parse_by_topic(topic: str, body: bytes,
                   mappers: Mapping[str, Callable[[dict], ParsedEvent]]) -> ParsedEvent:
    """A verified webhook body through its topic's mapper: MalformedPayload when the body does not
    fit (not a JSON object, a field of the wrong shape), an IgnoredEvent for a topic no mapper takes."""
    payload = json_object(body)
    mapper = mappers.get(topic)
    if mapper is None:
        return IgnoredEvent(reason=f"topic {topic!r} is not used")
    try:
        return mapper(payload)
    except SHAPE_ERRORS as exc:
        raise MalformedPayload(f"{topic}: {type(exc).__name__}: {exc}") from exc


def money(value) -> Decimal | None:
    """A price as sent ("12.90", 12.9 or 12); floats through repr so 0.1 stays 0.1."""
    if value in (None, ""):
        return None
    if isinstance(value, float):
        value = repr(value)
    return Decimal(str(value))


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
