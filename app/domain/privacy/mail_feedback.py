"""What a bounce or complaint does: recorded on its message, the address suppressed at once.

- bounce (permanent, 5.x.x but 5.7.x): the address does not take mail. It is listed as
  "bounced" and nothing more goes to it, parcel notices included: the next mail would
  bounce too, and bounces spend the shop's sender reputation, on which every other buyer's
  notices depend. The buyer still has the tracking page and the platform's own mails.
- soft_bounce (4.x.x the MTA gave up on, or a 5.7.x policy refusal): counted per address;
  the SOFT_BOUNCE_LIMIT-th within 90 days lists it like a bounce.
- complaint (ARF abuse): always an objection to advertising: listed as "complained",
  consent withdrawn, pending marketing skipped; mail about the order still goes out.
- delay, delivered, other feedback types: recorded, nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.privacy.suppressions import email_hash, object_to_marketing, stop_all_mail
from app.models import MailFeedback, MessageState, ScheduledMessage

BOUNCE, SOFT_BOUNCE, DELAY, DELIVERED = "bounce", "soft_bounce", "delay", "delivered"
COMPLAINT, FEEDBACK = "complaint", "feedback"
SOFT_BOUNCE_WINDOW = timedelta(days=90)
DEFAULT_SOFT_BOUNCE_LIMIT = 3


@dataclass(frozen=True)
class FeedbackReport:
    kind: str
    status: str | None = None  # RFC 3463, e.g. "5.1.1"
    diagnostic: str | None = None
    feedback_type: str | None = None
    reporting_mta: str | None = None
    token_sources: tuple[str, ...] = ()


def bounce_kind(action: str, status_class: str, subject: str) -> str:
    """What a recipient's Action and Status amount to.

    5.x.x is permanent: a bounce, except 5.7.x (security or policy: a spam filter, DMARC, a
    relay that refuses us), which is about our mail rather than the address, so it is
    counted with the soft bounces instead of ending all mail to the address at once. A
    4.x.x reported as failed (the MTA gave up retrying) is a soft bounce; "delayed" is only
    news that the MTA keeps trying.
    """
    if action == "delayed":
        return DELAY
    if action in ("delivered", "relayed", "expanded") or status_class == "2":
        return DELIVERED
    if status_class == "5":
        return SOFT_BOUNCE if subject == "7" else BOUNCE
    return SOFT_BOUNCE if action == "failed" else DELAY


def record_feedback(session: Session, report: FeedbackReport, message: ScheduledMessage | None, *,
                    digest: str, source: str, now: datetime, soft_bounce_limit: int) -> MailFeedback:
    """Store the report's facts and act on them; the caller commits."""
    customer = message.customer if message is not None else None
    hashed = email_hash(customer.email) if customer is not None and customer.email else None
    row = MailFeedback(
        digest=digest, shop_id=message.shop_id if message else None,
        message_id=message.id if message else None,
        email_hash=hashed, kind=report.kind, status=report.status, diagnostic=report.diagnostic,
        feedback_type=report.feedback_type, reporting_mta=report.reporting_mta, source=source,
        outcome="unmatched" if message is None else "recorded", received_at=now)
    session.add(row)
    session.flush()
    if message is None:
        return row
    if report.kind in (BOUNCE, SOFT_BOUNCE):
        label = "bounced" if report.kind == BOUNCE else "soft bounce"
        message.state = MessageState.BOUNCED
        said = " ".join(filter(None, (label, report.status)))  # a plain-text bounce may have no code
        message.reason = f"{said}: {report.diagnostic or 'no diagnostic'}"[:200]
    elif report.kind == COMPLAINT:
        message.state = MessageState.COMPLAINED
        message.reason = f"complained: {report.feedback_type}"
    if hashed is None:
        return row  # the buyer's address is gone (redacted): nothing left to list
    if report.kind == BOUNCE:
        stop_all_mail(session, message.shop_id, hashed, customer, now)
        row.outcome = "suppressed: bounced"
    elif report.kind == SOFT_BOUNCE:
        count = _soft_bounces(session, message.shop_id, hashed, now)
        row.outcome = f"soft bounce {count} of {soft_bounce_limit}"
        if count >= soft_bounce_limit:
            stop_all_mail(session, message.shop_id, hashed, customer, now)
            row.outcome = f"suppressed: bounced ({count} soft bounces)"
    elif report.kind == COMPLAINT:
        object_to_marketing(session, message.shop_id, hashed, customer, now, "complained", "complaint")
        row.outcome = "suppressed: complained"
    return row


def _soft_bounces(session: Session, shop_id: int, hashed: str, now: datetime) -> int:
    return session.execute(select(func.count()).select_from(MailFeedback).where(
        MailFeedback.shop_id == shop_id, MailFeedback.email_hash == hashed, MailFeedback.kind == SOFT_BOUNCE,
        MailFeedback.received_at > now - SOFT_BOUNCE_WINDOW)).scalar_one()
