"""Read bounce and complaint reports with the stdlib email package: bytes in, facts out.

- DSN (RFC 3464): `multipart/report; report-type=delivery-status` with a
  `message/delivery-status` part: per-message fields, then one block per recipient
  (Action, Status as an RFC 3463 code, Diagnostic-Code).
- ARF (RFC 5965): `multipart/report; report-type=feedback-report` with a
  `message/feedback-report` part (Feedback-Type: abuse, …) and the original message or
  its headers.

Only what a decision needs comes out: the kind, the status code, the diagnostic with every
address in it replaced, the feedback type, the reporting MTA, and the header values in
which our token may travel (app/links/bounce_addresses.py decides whether one is genuine).
Anything else, down to bytes no parser survives, is a MalformedReport with its reason.
"""
from __future__ import annotations

import base64
import quopri
import re
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.policy import compat32
from email.utils import collapse_rfc2231_value

from app.domain.privacy.mail_feedback import COMPLAINT, FEEDBACK, FeedbackReport, bounce_kind
from app.links.bounce_addresses import REF_HEADER
from app.observability.privacy_scrub import scrub_addresses

STATUS_PARTS = ("message/delivery-status", "message/global-delivery-status")
ORIGINAL_PARTS = ("message/rfc822", "message/global", "text/rfc822-headers", "message/global-headers")
# Where a report repeats the address it was sent to (our VERP envelope sender).
REPORT_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
ORIGINAL_HEADERS = (REF_HEADER, "Return-Path")
STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\.?\d)")
BLANK_LINE = re.compile(r"\r?\n[ \t]*\r?\n")
DIAGNOSTIC_LENGTH = 300


class MalformedReport(ValueError):
    """Not a DSN or ARF report we can read; the message says why."""


def parse_report(raw: bytes) -> FeedbackReport:
    """The report's facts; MalformedReport for anything that is not a readable DSN or ARF."""
    try:
        return _parse(raw)
    except MalformedReport:
        raise
    except Exception as exc:  # RecursionError on absurd nesting, codec trouble, parser bugs
        raise MalformedReport(f"unreadable message ({type(exc).__name__})") from exc


def _parse(raw: bytes) -> FeedbackReport:
    if not raw.strip():
        raise MalformedReport("empty message")
    message = BytesParser(policy=compat32).parsebytes(raw)
    if message.get_content_type() != "multipart/report":
        raise MalformedReport(f"not a multipart/report (RFC 6522) but {message.get_content_type()}")
    parts = [part for part in message.get_payload() if isinstance(part, Message)] \
        if message.is_multipart() else []
    sources = [value for name in REPORT_HEADERS for value in message.get_all(name) or ()]
    sources += _original_header_values(parts)
    report_type = collapse_rfc2231_value(message.get_param("report-type") or "").lower()
    if report_type == "delivery-status":
        return _delivery_status(parts, sources)
    if report_type == "feedback-report":
        return _feedback(parts, sources)
    raise MalformedReport(f"report-type {report_type!r} is neither delivery-status nor feedback-report")


def _delivery_status(parts: list[Message], sources: list) -> FeedbackReport:
    part = _child(parts, STATUS_PARTS)
    if part is None:
        raise MalformedReport("a delivery-status report without a message/delivery-status part")
    blocks = _field_blocks(part)
    recipients = [block for block in blocks if "action" in block or "status" in block]
    if not recipients:
        raise MalformedReport("no per-recipient fields (Action, Status) in the delivery status")
    chosen = next((r for r in recipients if _action(r) == "failed"), None) \
        or next((r for r in recipients if _action(r) == "delayed"), recipients[0])
    status = STATUS.match(chosen.get("status", ""))
    if status is None:
        raise MalformedReport(f"Status {chosen.get('status', '')[:40]!r} is not an RFC 3463 code")
    reporting = next((block["reporting-mta"] for block in blocks if "reporting-mta" in block), None)
    # Per-message fields may name our envelope sender too (Postfix: X-Postfix-Sender).
    sources += [value for block in blocks for value in block.values()]
    return FeedbackReport(
        kind=bounce_kind(_action(chosen), status.group(1), status.group(2)),
        status=".".join(status.groups()), diagnostic=scrubbed(chosen.get("diagnostic-code")),
        reporting_mta=_short(reporting), token_sources=_texts(sources))


def _action(fields: dict[str, str]) -> str:
    return (fields.get("action") or "").split(" ")[0].lower()


def _feedback(parts: list[Message], sources: list) -> FeedbackReport:
    part = _child(parts, ("message/feedback-report",))
    if part is None:
        raise MalformedReport("a feedback report without a message/feedback-report part")
    fields: dict[str, str] = {}
    for block in _field_blocks(part):
        fields = {**block, **fields}
    feedback_type = fields.get("feedback-type", "").split(" ")[0].lower()
    if not feedback_type:
        raise MalformedReport("no Feedback-Type in the feedback report")
    return FeedbackReport(
        kind=COMPLAINT if feedback_type == "abuse" else FEEDBACK, feedback_type=feedback_type[:40],
        reporting_mta=_short(fields.get("reporting-mta") or fields.get("user-agent")),
        token_sources=_texts(sources + [fields.get("original-mail-from")]))


def _child(parts: list[Message], types: tuple[str, ...]) -> Message | None:
    return next((part for part in parts if part.get_content_type() in types), None)


def _field_blocks(part: Message) -> list[dict[str, str]]:
    """The header-style blocks of a status or feedback part, names lowercased."""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding in ("base64", "quoted-printable"):
        # The parser split the still-encoded text as if it were fields: write it back, decode.
        encoded = part.as_string().split("\n\n", 1)[-1].encode("ascii", "replace")
        text = base64.b64decode(encoded) if encoding == "base64" else quopri.decodestring(encoded)
        return [block for block in _text_blocks(text.decode("utf-8", "replace")) if block]
    payload = part.get_payload()
    blocks = []
    if isinstance(payload, list):  # the parser split the blocks (delivery-status) or nested one
        for item in payload:
            if isinstance(item, Message):
                blocks.append(_fields(item.items()))
                rest = item.get_payload()
                if isinstance(rest, str) and rest.strip():
                    blocks += _text_blocks(rest)
    else:  # encoded, or a type the parser leaves as text
        data = part.get_payload(decode=True)
        blocks += _text_blocks(data.decode("utf-8", "replace") if isinstance(data, bytes) else "")
    return [block for block in blocks if block]


def _text_blocks(text: str) -> list[dict[str, str]]:
    return [_fields(HeaderParser(policy=compat32).parsestr(chunk.strip() + "\n").items())
            for chunk in BLANK_LINE.split(text) if chunk.strip()]


def _fields(items) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in items:
        fields.setdefault(str(name).strip().lower(), " ".join(str(value).split()))
    return fields


def _original_header_values(parts: list[Message]) -> list[str]:
    part = _child(parts, ORIGINAL_PARTS)
    if part is None:
        return []
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        headers = payload[0]
    else:
        data = part.get_payload(decode=True)
        headers = HeaderParser(policy=compat32).parsestr(data.decode("utf-8", "replace")
                                                         if isinstance(data, bytes) else "")
    return [value for name in ORIGINAL_HEADERS for value in headers.get_all(name) or ()]


def _texts(values) -> tuple[str, ...]:
    return tuple(str(value) for value in values if value)


def scrubbed(diagnostic: str | None) -> str | None:
    """The diagnostic without any address in it (it usually quotes the buyer's)."""
    if not diagnostic:
        return None
    return scrub_addresses(" ".join(diagnostic.split()))[:DIAGNOSTIC_LENGTH]


def _short(value: str | None) -> str | None:
    return value[:255] if value else None
