"""Send scheduled messages: one send job carries a group of them (send_messages), each
sent by send_message alone: claim it, re-check it, render, send, record.

Delivery is at-least-once. The only window for a duplicate is a crash after the SMTP
server answered 250 and before our commit of `sent`; the Message-ID is the same on the
resend, so receiving systems can recognise it.
"""
from __future__ import annotations

import logging
import time as clock
import uuid
from datetime import datetime, time, timedelta, timezone
from typing import cast

from flask import current_app
from rq import get_current_job
from sqlalchemy import CursorResult, select, update

from app.clients.vouchers import VoucherUnavailable, issue_voucher
from app.domain.followups.fatigue import FatigueRules, next_marketing_slot
from app.domain.followups.mail_kinds import MARKETING
from app.domain.followups.send_checks import send_time_verdict
from app.domain.followups.sync import sync_followups
from app.domain.followups.vouchers import message_purpose
from app.domain.shop.modules import MAIL_POLICY, module_settings
from app.extensions import db, queues
from app.jobs.runtime import job
from app.links.bounce_addresses import envelope_sender
from app.mail.feedback_intake import record_refusal
from app.mail.kind_context import unique_voucher_due
from app.mail.render import message_id_for, render_message
from app.mail.senders import PermanentSendError, RecipientRefused, SendError, sender_from_url
from app.models import Customer, MessageState, ScheduledMessage
from app.models.states import MessageReason
from app.observability.logs import job_unit
from app.observability.privacy_scrub import address_free, scrub_addresses
from app.queues import BACKOFF
from app.read_model.loads import load_message_view, load_order
from app.read_model.views import MessageView

log = logging.getLogger(__name__)
# Kinds whose sending is itself a fact the planner reads.
FOLLOW_ON_KINDS = ("review_request",)
# Due mails per send job. RQ's own work for a job (enqueue, state hashes, heartbeats,
# registries: about 12 Redis round trips) was most of a mail's Redis cost; a group pays it
# once for up to 20. Not more: the mails of a group go one after another on one worker,
# so a group of 20 at a real relay's tens of ms is well under a second of delay for its
# last mail, and a worker that dies holds at most 20 mails until RQ hands its job on.
SEND_GROUP = 20
# message id → the group job carrying it, for the dispatcher's redrive (app/jobs/dispatch.py).
# Set before the job is enqueued, deleted as the job finishes each mail; the TTL only bounds
# what a crash leaves behind (longer than a job can stay live: its back-off sums to 43 min).
CARRIER_KEY = "aftersales:mail-job:{}"
CARRIER_TTL = 24 * 3600


def message_job_id(message_id: int) -> str:
    """The job of one message alone (a retry, the newsletter's send); a group's is random."""
    return f"message-{message_id}"


def enqueue_send(message_id: int, failed_once: bool = False) -> None:
    """One message in its own job: a newsletter confirmation, or a mail that failed in its
    group (`failed_once`: it waits BACKOFF's first step and keeps the rest for its retries,
    as RQ would have retried a job of its own; MAIL_MAX_ATTEMPTS still decides, on the row's
    attempts)."""
    waits = BACKOFF[1:] if failed_once else BACKOFF
    # A send is bounded by the SMTP timeout; the job timeout also bounds how long a dead
    # worker's job looks alive.
    queues.enqueue("mail", send_message, message_id, job_id=message_job_id(message_id),
                   retries=len(waits), backoff=waits,
                   delay=timedelta(seconds=BACKOFF[0]) if failed_once else None,
                   timeout=current_app.config["MAIL_JOB_TIMEOUT_SECONDS"])


def enqueue_sends(message_ids: list[int]) -> None:
    """Enqueue due messages (in send order) as send_messages jobs of at most SEND_GROUP,
    the groups as even as the count allows so that several workers share them."""
    count = -(-len(message_ids) // SEND_GROUP)
    size, extra = divmod(len(message_ids), count or 1)
    start = 0
    for index in range(count):
        end = start + size + (index < extra)
        enqueue_group(message_ids[start:end])
        start = end


def enqueue_group(message_ids: list[int]) -> None:
    # The job's timeout is one mail's: a dead worker's group looks alive no longer than a
    # single mail's job did (SimpleWorker: timeout + 60 s); send_messages keeps within it.
    job_id = f"messages-{message_ids[0]}-{uuid.uuid4().hex[:12]}"
    with queues.redis.pipeline(transaction=False) as pipe:
        for message_id in message_ids:
            pipe.set(CARRIER_KEY.format(message_id), job_id, ex=CARRIER_TTL)
        pipe.execute()
    queues.enqueue("mail", send_messages, message_ids, job_id=job_id,
                   timeout=current_app.config["MAIL_JOB_TIMEOUT_SECONDS"])


def carrier_jobs(message_ids: list[int]) -> dict[int, str]:
    """The group job each message was last given to, where one was (one round trip)."""
    if not message_ids:
        return {}
    found = queues.redis.mget([CARRIER_KEY.format(message_id) for message_id in message_ids])
    return {message_id: job_id.decode() if isinstance(job_id, bytes) else job_id
            for message_id, job_id in zip(message_ids, found, strict=True) if job_id is not None}


@job
def send_messages(message_ids: list[int]) -> dict[int, str]:
    """Send a group of messages one after another, each exactly as send_message sends it alone.

    Each keeps its own claim, commit and failure record (send_message does all three), so a
    duplicate or redriven group sends nothing twice. A mail whose send raises (send_message
    has put it back to queued with its error, or left it claimed for the redrive, as for a
    job of its own) goes on alone in its own job, with the back-off its own job would have
    had; the group goes on with the next mail. A mail starts
    only while half the job's time is left, the rest goes to a new group: one slow SMTP
    dialogue cannot time out the mails behind it.
    """
    began = clock.monotonic()
    budget = current_app.config["MAIL_JOB_TIMEOUT_SECONDS"] / 2
    outcomes: dict[int, str] = {}
    try:
        for index, message_id in enumerate(message_ids):
            if index and clock.monotonic() - began > budget:
                enqueue_group(message_ids[index:])
                break
            with job_unit(message_job_id(message_id)):
                try:
                    outcomes[message_id] = send_message(message_id)
                except Exception as exc:  # noqa: BLE001 - recorded by send_message, retried alone
                    outcomes[message_id] = _retry_alone(message_id, exc)
    finally:
        # A mail not reached keeps its carrier: this job, when RQ retries it.
        _forget_carrier(list(outcomes), getattr(get_current_job(), "id", None))
    return outcomes


# Deletes each key that still names this job: a duplicate group must not take the carrier
# of a mail that another group is sending.
_FORGET = """for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end"""


def _forget_carrier(message_ids: list[int], job_id: str | None) -> None:
    if message_ids and job_id:
        keys = [CARRIER_KEY.format(message_id) for message_id in message_ids]
        queues.redis.register_script(_FORGET)(keys=keys, args=[job_id])


def _retry_alone(message_id: int, exc: Exception) -> str:
    """The failed mail's own job, as RQ would have retried it (enqueue_send's `failed_once`)."""
    enqueue_send(message_id, failed_once=True)
    error = scrub_addresses(f"{type(exc).__name__}: {exc}")
    # As visible as RQ makes a failed job (app/worker.py log_failure, RQ's traceback): an
    # error with the traceback, whose text send_message raised address-free.
    log.error("message %s failed in its group, retried alone as job %s in %s s: %s",
              message_id, message_job_id(message_id), BACKOFF[0], error, exc_info=exc)
    return f"retried alone: {error}"


def mail_sender():
    """The app's sender; tests may put one in app.extensions['mail_sender']."""
    sender = current_app.extensions.get("mail_sender")
    if sender is None:
        sender = current_app.extensions["mail_sender"] = sender_from_url(current_app.config["SMTP_URL"])
    return sender


@job
def send_message(message_id: int) -> str:
    session = db.session()
    now = datetime.now(timezone.utc)
    claimed = cast(CursorResult, session.execute(
        update(ScheduledMessage)
        .where(ScheduledMessage.id == message_id, ScheduledMessage.state == MessageState.QUEUED)
        .values(state=MessageState.SENDING, attempts=ScheduledMessage.attempts + 1, updated_at=now)
    )).rowcount
    session.commit()
    if not claimed:
        return "not claimable (already sent, skipped or in flight)"
    # Read as a view (app/read_model/); what the job records, it records by id.
    message = load_message_view(message_id)
    if message is None:  # erased with its order (customers/redact) since the claim
        return "gone"
    shop = message.order.shop
    verdict = send_time_verdict(message, session, now)
    if verdict:
        _update(message.id, state=MessageState.SKIPPED, reason=verdict)
        session.commit()
        return f"skipped: {verdict}"
    try:
        without_voucher = _issue_unique_voucher(message, now)
    except VoucherUnavailable as exc:
        # The job's retry path, visibly: queued again with the platform's error recorded.
        _record_failure(message, MessageState.QUEUED, f"voucher: {exc}")
        log.warning("message %s: voucher not created (attempt %s): %s", message_id,
                    message.attempts, exc)
        raise
    if message.stream == MARKETING:
        _lock_buyer(message)
        slot = next_marketing_slot(_marketing_sent_to(message, now), now, shop.timezone, fatigue_rules(shop))
        if slot > now:
            # Defer, never drop: back to planned, the dispatcher brings it again at `slot`.
            _update(message.id, state=MessageState.PLANNED, send_at=slot,
                    reason=MessageReason.DEFERRED, attempts=ScheduledMessage.attempts - 1)
            session.commit()
            return f"deferred to {slot.isoformat()}"
    try:
        mail_sender().send(render_message(message), envelope_from=envelope_sender(message.id))
    except RecipientRefused as exc:
        feedback = record_refusal(message, exc, now)
        # The reply often quotes the address: the log gets the code and our verdict only.
        log.warning("message %s refused at SMTP time (%s): %s", message_id, exc.code, feedback.outcome)
        return MessageState.BOUNCED.value
    except PermanentSendError as exc:  # its text holds no address (app/mail/senders.py)
        _record_failure(message, MessageState.FAILED, str(exc))
        log.warning("message %s rejected permanently: %s", message_id, exc)
        return MessageState.FAILED.value
    except Exception as exc:
        error = scrub_addresses(f"{type(exc).__name__}: {exc}")
        give_up = message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
        _record_failure(message, MessageState.FAILED if give_up else MessageState.QUEUED, error)
        log.warning("message %s send failed (attempt %s): %s", message_id, message.attempts, error)
        if give_up:
            return MessageState.FAILED.value
        if isinstance(exc, SendError):
            raise  # address-free, without smtplib's exception as cause
        # RQ keeps what the job raises, chained causes included: only the scrubbed text goes.
        raise address_free(exc) from None
    sent_at = datetime.now(timezone.utc)
    _update(message.id, state=MessageState.SENT, sent_at=sent_at, message_id=message_id_for(message),
            **({"last_error": without_voucher} if without_voucher else {}))
    session.commit()
    if message.kind in FOLLOW_ON_KINDS:
        # A sent review request is the anchor of its (single) reminder: plan it now.
        order = load_order(session, message.order_id)
        if order is not None:  # erased with its buyer (customers/redact) since the send
            sync_followups(session, [order], sent_at)
            session.commit()
    return MessageState.SENT.value


def _issue_unique_voucher(message: MessageView, now: datetime) -> str | None:
    """Create the buyer's unique code before the mail is rendered (once: a retry reuses it).

    Raises VoucherUnavailable while attempts remain. On the last attempt the mail goes out
    without the voucher rather than not at all (a thank-you or a delay notice still matters
    without a discount); the returned note is kept in last_error.
    Created before the fatigue check: a mail deferred by the cap keeps its code, whose
    expiry counts from its creation.
    """
    setting = unique_voucher_due(message)
    if setting is None:
        return None
    try:
        issue_voucher(message.order_id, message_purpose(message.kind, message.sequence), setting,
                      f"Aftersales {message.kind.replace('_', ' ')} #{message.id}", now)
    except VoucherUnavailable as exc:
        if message.attempts < current_app.config["MAIL_MAX_ATTEMPTS"]:
            raise
        log.warning("message %s goes without its voucher after %s attempts: %s", message.id,
                    message.attempts, exc)
        return f"sent without its voucher: {exc}"[:2000]
    return None


def _update(row_id: int, /, **values) -> None:
    db.session.execute(update(ScheduledMessage).where(ScheduledMessage.id == row_id).values(**values))


def fatigue_rules(shop=None) -> FatigueRules:
    """The app's caps and quiet hours, overridden by what the shop set under Consent & limits."""
    config = current_app.config
    own = module_settings(shop, MAIL_POLICY) if shop is not None else {}

    def pick(key: str, setting: str, default):
        value = own.get(key)
        return value if value is not None else config.get(setting, default)

    return FatigueRules(
        min_gap=timedelta(hours=pick("min_gap_hours", "MARKETING_MIN_GAP_HOURS", 16)),
        max_per_window=pick("max_per_30_days", "MARKETING_MAX_PER_30_DAYS", 5),
        window=timedelta(days=30),
        quiet_start=time(pick("quiet_start", "QUIET_HOURS_START", 21)),
        quiet_end=time(pick("quiet_end", "QUIET_HOURS_END", 8)),
    )


def _lock_buyer(message: MessageView) -> None:
    """Take the buyer's row lock before the fatigue cap is read; this transaction keeps it
    until the commit of `sent` or of the deferral (a failed send rolls back and lets go).

    Reading the cap and recording the send must be one step per buyer: otherwise two
    workers sending two marketing mails to one buyer both find the cap empty and both
    send. The price is that the lock spans the SMTP send (the render, the dialogue, at
    most the SMTP timeout): a second marketing mail to the same buyer, and an order event
    updating that buyer, wait that long; nothing else does, and transactional mail never
    takes the lock. Reserving the slot in a committed row before sending would free the
    lock sooner but leave reservations to undo after every failed send or crash.
    SQLite has no row locks (FOR UPDATE is left out there): it is for local runs, where
    the race stays possible.
    """
    if message.customer_id is not None:
        db.session.execute(select(Customer.id).where(Customer.id == message.customer_id).with_for_update())


def _marketing_sent_to(message: MessageView, now: datetime) -> list[datetime]:
    """When this customer got marketing mail from this shop in the last 30 days."""
    return list(db.session.scalars(
        select(ScheduledMessage.sent_at).where(
            ScheduledMessage.customer_id == message.customer_id, ScheduledMessage.stream == MARKETING,
            ScheduledMessage.state == MessageState.SENT,
            ScheduledMessage.sent_at >= now - timedelta(days=30),
            ScheduledMessage.id != message.id)
    ))


def _record_failure(message: MessageView, state: MessageState, error: str) -> None:
    db.session.rollback()
    row = db.session.get(ScheduledMessage, message.id)
    if row is None:  # erased with its order (customers/redact) meanwhile
        return
    row.state = state
    row.last_error = scrub_addresses(error)[:2000]
    if state == MessageState.FAILED:
        row.reason = MessageReason.SEND_FAILED
    db.session.commit()
