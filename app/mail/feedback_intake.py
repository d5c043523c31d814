"""One report in, from the MTA pipe, the HTTP endpoint or an SMTP refusal: match, record, commit.

A report is matched to its message only by a genuine token (app/links/bounce_addresses.py): the
envelope recipient the MTA hands over, the report's own headers, or the original headers it
quotes. A bounce that is no RFC 3464 report (qmail, Exchange's plain text:
app/mail/plain_bounces.py) is taken only with a genuine token, which alone names its message;
without one it is malformed like any other unreadable mail. A malformed report is kept with
its bytes (for `mail replay-feedback` after a fix, purged after MALFORMED_KEEP); a readable one
keeps only its facts, never the quoted mail.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.domain.privacy.mail_feedback import (
    DEFAULT_SOFT_BOUNCE_LIMIT,
    FeedbackReport,
    bounce_kind,
    record_feedback,
)
from app.extensions import db
from app.links.bounce_addresses import message_id_from
from app.mail.feedback_reports import STATUS, MalformedReport, parse_report, scrubbed
from app.mail.plain_bounces import plain_bounce
from app.mail.senders import RecipientRefused
from app.models import MailFeedback, ScheduledMessage
from app.read_model.views import MessageView

MAX_REPORT_BYTES = 2_000_000
MALFORMED_KEEP = timedelta(days=30)


@dataclass(frozen=True)
class IntakeResult:
    feedback_id: int
    outcome: str
    malformed: str | None = None  # why the report could not be read (400 / exit 65)


def take_report(raw: bytes, source: str, recipient: str | None = None) -> IntakeResult:
    """Record one raw report (bytes as received) and act on it; commits."""
    digest = hashlib.sha256(raw).hexdigest()
    known = _by_digest(digest)
    if known is not None:
        return _result(known, duplicate=True)
    now = datetime.now(timezone.utc)
    try:
        report = parse_report(raw)
        message_id = message_id_from([recipient, *report.token_sources])
    except MalformedReport as exc:
        bounce = plain_bounce(raw)
        message_id = message_id_from([recipient, *bounce.token_sources]) if bounce is not None else None
        if bounce is None or message_id is None:
            row = MailFeedback(digest=digest, kind="malformed", diagnostic=str(exc)[:300], source=source,
                               outcome="malformed", raw=raw, received_at=now)
            db.session.add(row)
            return _commit(row, digest)
        report = bounce
    message = db.session.get(ScheduledMessage, message_id) if message_id is not None else None
    row = record_feedback(db.session(), report, message, digest=digest, source=source, now=now,
                          soft_bounce_limit=_soft_bounce_limit())
    return _commit(row, digest)


def replay_feedback(feedback_id: int) -> IntakeResult | None:
    """Read a kept malformed report again (after a parser fix); None if there is none to read."""
    row = db.session.get(MailFeedback, feedback_id)
    if row is None or row.kind != "malformed" or row.raw is None:
        return None
    raw, source = row.raw, row.source
    db.session.delete(row)
    db.session.flush()
    return take_report(raw, source)


def record_refusal(sent: MessageView, refusal: RecipientRefused, now: datetime) -> MailFeedback:
    """A 5xx for the recipient at SMTP time is a bounce like any reported later; commits."""
    db.session.rollback()
    message = db.session.get(ScheduledMessage, sent.id)
    status = STATUS.search(refusal.reply)
    code = status.groups() if status and status.group(1) == "5" else ("5", "0", "0")
    report = FeedbackReport(kind=bounce_kind("failed", code[0], code[1]), status=".".join(code),
                            diagnostic=scrubbed(f"smtp; {refusal.code} {refusal.reply}"))
    # The attempt is the claimed one the view was read after (a row erased since has none).
    digest = hashlib.sha256(f"smtp:{sent.id}:{sent.attempts}".encode()).hexdigest()
    if message is not None:
        message.last_error = report.diagnostic
    row = record_feedback(db.session(), report, message, digest=digest, source="smtp", now=now,
                          soft_bounce_limit=_soft_bounce_limit())
    db.session.commit()
    return row


def _soft_bounce_limit() -> int:
    return int(current_app.config.get("SOFT_BOUNCE_LIMIT") or DEFAULT_SOFT_BOUNCE_LIMIT)


def _commit(row: MailFeedback, digest: str) -> IntakeResult:
    try:
        db.session.commit()
    except IntegrityError:  # the same report, taken in by another process a moment ago
        db.session.rollback()
        taken = _by_digest(digest)
        if taken is None:  # the conflict was not this report's: let the caller see it
            raise
        return _result(taken, duplicate=True)
    return _result(row)


def _by_digest(digest: str) -> MailFeedback | None:
    return db.session.scalar(select(MailFeedback).where(MailFeedback.digest == digest))


def _result(row: MailFeedback, duplicate: bool = False) -> IntakeResult:
    malformed = row.diagnostic if row.kind == "malformed" else None
    return IntakeResult(row.id, f"duplicate of feedback {row.id}" if duplicate else row.outcome, malformed)
