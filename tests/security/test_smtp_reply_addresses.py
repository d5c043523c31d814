"""SMTP replies quote the buyer's address (`450 4.1.1 <buyer@…>`). A real SMTP server answers
so here, the send job runs in a real RQ worker, and the address reaches neither the
message's last_error, nor RQ's failed registry, nor the log; customers/redact clears what
error texts kept from before."""
import logging
from datetime import datetime, timedelta, timezone

import pytest
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from app.domain.followups.sync import sync_followups
from app.extensions import db, queues
from app.jobs.dispatch import dispatch_due
from app.jobs.messages import message_job_id, send_message
from app.models import DeliveryState, MessageState, ScheduledMessage, WebhookDelivery
from tests.support.factories import add_parcel, make_order
from tests.support.smtp_inbox import InboxHandler, serving_smtp

BUYER = "buyer@example.com"
NOW = datetime.now(timezone.utc)


class BusyMailbox(InboxHandler):
    """Refuses the recipient for now, quoting it."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"450 4.1.1 <{address}>: mailbox busy"


class UnknownUserAtData(InboxHandler):
    """Takes the recipient, then refuses the mail after DATA, quoting it (sendmail's way)."""

    async def handle_DATA(self, server, session, envelope):
        return f"550 5.1.1 <{envelope.rcpt_tos[0]}>... User unknown"


@pytest.fixture
def message(app, shop):
    order = make_order(shop)
    order.customer.email = BUYER
    add_parcel(order, shipped_at=NOW)
    sync_followups(db.session, [order], NOW)
    db.session.commit()
    return db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "shipped")).one()


def _logged(caplog) -> str:
    """What the app and RQ logged, tracebacks included (not the test's SMTP server's dialogue)."""
    return "\n".join(caplog.handler.format(r) for r in caplog.records if not r.name.startswith("mail.log"))


def _stored(message) -> ScheduledMessage:
    db.session.expire_all()
    return db.session.get(ScheduledMessage, message.id)


def test_a_temporary_refusal_keeps_the_code_but_not_the_address(app, message, run_jobs, caplog):
    caplog.set_level(logging.DEBUG)
    with serving_smtp(app, BusyMailbox()):
        dispatch_due(NOW + timedelta(minutes=1))
        run_jobs()
    stored = _stored(message)
    assert stored.state == MessageState.QUEUED
    assert "450 4.1.1 <[address]>: mailbox busy" in stored.last_error
    logged = _logged(caplog)
    assert "mailbox busy" in logged and "Traceback" in logged  # RQ logged the failure …
    assert BUYER not in logged  # … without the address, chained smtplib error included


def test_a_permanent_refusal_after_data_keeps_the_code_but_not_the_address(app, message, run_jobs, caplog):
    caplog.set_level(logging.DEBUG)
    with serving_smtp(app, UnknownUserAtData()):
        dispatch_due(NOW + timedelta(minutes=1))
        run_jobs()
    stored = _stored(message)
    assert (stored.state, stored.last_error) == (MessageState.FAILED,
                                                 "550 5.1.1 <[address]>... User unknown")
    logged = _logged(caplog)
    assert "User unknown" in logged and BUYER not in logged


def test_a_send_job_that_fails_outright_leaves_no_address_in_the_failed_registry(app, message, run_jobs):
    message.state = MessageState.QUEUED
    db.session.commit()
    # The job's last RQ attempt: what it raises goes to the failed registry.
    queues.enqueue("mail", send_message, message.id, job_id=message_job_id(message.id), retries=0)
    with serving_smtp(app, BusyMailbox()):
        run_jobs()
    registry = FailedJobRegistry(queue=queues.get("mail"))
    assert registry.get_job_ids() == [message_job_id(message.id)]
    exc_info = Job.fetch(message_job_id(message.id), connection=queues.redis).latest_result().exc_string
    assert "450" in exc_info and "4.1.1" in exc_info
    assert BUYER not in exc_info


def test_customer_redact_clears_error_texts_kept_from_before(app, shop, message, post_shopify, run_jobs):
    # Written before error texts were scrubbed: a reply naming her, beside her address.
    for state in (MessageState.QUEUED, MessageState.SENDING, MessageState.SENT):  # as it went
        message.state = state
    message.attempts = 2
    message.last_error = f"TemporarySendError: 452 4.2.2 <{BUYER}>: Jane Buyer's mailbox is full"
    db.session.add(WebhookDelivery(platform="shopify", delivery_key="old-1", shop_id=shop.id,
                                   topic="orders/create",
                                   state=DeliveryState.FAILED,
                                   error=f"IntegrityError: (email) = ({BUYER}) already exists"))
    db.session.commit()
    assert post_shopify("customers/redact", {
        "shop_id": 1, "shop_domain": shop.domain, "customer": {"id": 1, "email": BUYER},
        "orders_to_redact": [1001]}, "cr-1").status_code == 200
    run_jobs()
    assert _stored(message).last_error is None
    errors = db.session.scalars(select(WebhookDelivery.error).where(WebhookDelivery.error.is_not(None))).all()
    assert errors == ["IntegrityError: (email) = ([address]) already exists"]
