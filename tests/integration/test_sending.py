"""Sending: temporary SMTP failures are retried, permanent ones recorded, never silent."""
from datetime import datetime, timedelta, timezone

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from app.devstack.mail_sink import start_sink
from app.domain.followups.sync import sync_followups
from app.extensions import db, queues
from app.jobs.dispatch import dispatch_due
from app.mail.senders import SMTPSender
from app.models import MailFeedback, MessageState, ScheduledMessage, Suppression
from tests.support.factories import add_parcel, make_order

# The send job reads the wall clock: a shipping notice planned at a fixed date would be
# skipped as stale once that date lies three days back.
NOW = datetime.now(timezone.utc)


class RefusingHandler:
    def __init__(self, code: str):
        self.code = code

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return self.code


@pytest.fixture
def planned_message(app, shop):
    order = make_order(shop)
    add_parcel(order, shipped_at=NOW)
    sync_followups(db.session, [order], NOW)
    db.session.commit()
    return db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "shipped")).one()


def _send_with(app, code: str, run_jobs):
    controller = start_sink(RefusingHandler(code))
    app.extensions["mail_sender"] = SMTPSender(f"smtp://127.0.0.1:{controller.port}")
    try:
        dispatch_due(NOW + timedelta(minutes=1))
        run_jobs()
    finally:
        controller.stop()


def test_temporary_failure_is_retried_with_backoff_and_recorded(app, planned_message, run_jobs):
    _send_with(app, "451 4.7.1 Try again later", run_jobs)
    db.session.expire_all()
    message = db.session.get(ScheduledMessage, planned_message.id)
    assert (message.state, message.reason) == (MessageState.QUEUED, None) and message.attempts == 1
    assert "451" in message.last_error
    assert f"message-{message.id}" in ScheduledJobRegistry(queue=queues.get("mail")).get_job_ids()


def test_a_refused_recipient_is_a_bounce_recorded_with_the_reason(app, planned_message, run_jobs):
    _send_with(app, "550 5.1.1 <buyer-1001@example.com>: No such user", run_jobs)
    db.session.expire_all()
    message = db.session.get(ScheduledMessage, planned_message.id)
    assert (message.state, message.reason) == (
        MessageState.BOUNCED,
        "bounced 5.1.1: smtp; 550 5.1.1 <[address]>: No such user",
    )
    assert "550" in message.last_error and "buyer-1001" not in message.last_error
    assert ScheduledJobRegistry(queue=queues.get("mail")).get_job_ids() == []  # given up, not retried
    assert db.session.scalars(select(Suppression.reason)).all() == ["bounced"]
    assert message.customer.suppressed_reason == "bounced"
    [feedback] = db.session.scalars(select(MailFeedback)).all()
    assert (feedback.source, feedback.kind, feedback.status, feedback.message_id) == (
        "smtp", "bounce", "5.1.1", message.id)


def test_a_policy_refusal_is_counted_not_suppressed_at_once(app, planned_message, run_jobs):
    _send_with(app, "554 5.7.1 Relay access denied", run_jobs)
    db.session.expire_all()
    message = db.session.get(ScheduledMessage, planned_message.id)
    assert (message.state, message.reason) == (
        MessageState.BOUNCED,
        "soft bounce 5.7.1: smtp; 554 5.7.1 Relay access denied",
    )
    assert db.session.scalars(select(MailFeedback.outcome)).all() == ["soft bounce 1 of 3"]
    assert db.session.scalars(select(Suppression)).all() == [] and message.customer.suppressed_reason is None


def test_a_sent_message_is_never_sent_twice(app, planned_message, run_jobs, smtp_inbox):
    from app.jobs.messages import send_message

    dispatch_due(NOW + timedelta(minutes=1))
    run_jobs()
    assert send_message(planned_message.id).startswith("not claimable")
    assert len(smtp_inbox) == 1


def test_a_mail_costs_two_queries_to_load_and_none_to_render(app, shop):
    """The message with its order and all the presenter reads (one joined query), the shop with
    its modules (kept at the shop's facts version: none the next time); rendering reads nothing."""
    from datetime import datetime, timezone

    from sqlalchemy import select

    from app.domain.followups.sync import sync_followups
    from app.extensions import db
    from app.mail.render import render_message
    from app.models import ScheduledMessage
    from app.read_model.loads import load_message_view
    from tests.support.factories import add_parcel, make_order
    from tests.support.sql_statements import recorded_statements

    order = make_order(shop, placed_at=datetime.now(timezone.utc))
    add_parcel(order, shipped_at=datetime.now(timezone.utc))
    add_parcel(order, fulfillment_id="f2", index=1, tracking_number="1Z999AA10123456784",
               shipped_at=datetime.now(timezone.utc))
    sync_followups(db.session, [order], datetime.now(timezone.utc))
    db.session.commit()
    message_id = db.session.scalars(select(ScheduledMessage.id)).first()
    db.session.remove()
    with recorded_statements() as statements:
        message = load_message_view(message_id)
    assert len(statements) == 2, statements
    with recorded_statements() as statements:
        render_message(message)
    # Only the shop's sender domain, once per shop and facts version (app/mail/own_sender.py).
    assert len(statements) == 1, statements
    with recorded_statements() as statements:
        again = load_message_view(message_id)
        mail = render_message(again)
    assert len(statements) == 1, statements
    assert again == message
    assert "00340434161094042557" in mail.get_body(("plain",)).get_content()


def test_the_send_job_reads_message_order_and_history_once(app, planned_message):
    """Claim, the message with its order whole, the shop's modules, the suppression list, the
    shop's sender domain (app/mail/own_sender.py; like the modules, once per shop and facts
    version), the sent mark: the re-check and the rendering share one load (they used to cost
    sixteen statements). A transactional notice's re-check reads no history (the order's
    mails, the buyer's review requests and newer orders: three more for HISTORY_KINDS)."""
    from sqlalchemy import update

    from app.jobs.messages import send_message
    from tests.support.sql_statements import recorded_statements

    message_id = planned_message.id
    db.session.execute(update(ScheduledMessage).where(ScheduledMessage.id == message_id)
                       .values(state=MessageState.QUEUED))
    db.session.commit()
    db.session.remove()
    with recorded_statements() as statements:
        assert send_message(message_id) == "sent"
    assert len(statements) == 6, "\n---\n".join(s[:120] for s in statements)
    assert app.extensions["mail_sender"].outbox[0]["Subject"]
