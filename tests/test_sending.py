"""Sending: temporary SMTP failures are retried, permanent ones recorded, never silent."""
from datetime import timedelta

import pytest
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from app.domain.followups import sync_followups
from app.extensions import db, queues
from app.jobs.dispatch import dispatch_due
from app.mail.senders import SMTPSender
from app.mail.sink import start_sink
from app.models import ScheduledMessage
from tests.factories import T0, add_parcel, make_order


class RefusingHandler:
    def __init__(self, code: str):
        self.code = code

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return self.code


@pytest.fixture
def planned_message(app, shop):
    order = make_order(shop)
    add_parcel(order, shipped_at=T0)
    sync_followups(db.session, order, shop, T0)
    db.session.commit()
    return db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "shipped")).one()


def _send_with(app, code: str, run_jobs):
    controller = start_sink(RefusingHandler(code))
    app.extensions["mail_sender"] = SMTPSender(f"smtp://127.0.0.1:{controller.port}")
    try:
        dispatch_due(T0 + timedelta(minutes=1))
        run_jobs()
    finally:
        controller.stop()


def test_temporary_failure_is_retried_with_backoff_and_recorded(app, planned_message, run_jobs):
    _send_with(app, "451 4.7.1 Try again later", run_jobs)
    db.session.expire_all()
    message = db.session.get(ScheduledMessage, planned_message.id)
    assert message.state == "queued" and message.attempts == 1
    assert "451" in message.last_error
    assert f"message-{message.id}" in ScheduledJobRegistry(queue=queues.get("mail")).get_job_ids()


def test_permanent_failure_gives_up_with_the_reason(app, planned_message, run_jobs):
    _send_with(app, "550 5.1.1 No such user", run_jobs)
    db.session.expire_all()
    message = db.session.get(ScheduledMessage, planned_message.id)
    assert message.state == "failed" and "550" in message.last_error
    assert ScheduledJobRegistry(queue=queues.get("mail")).get_job_ids() == []


def test_a_sent_message_is_never_sent_twice(app, planned_message, run_jobs, smtp_inbox):
    from app.jobs.messages import send_message

    dispatch_due(T0 + timedelta(minutes=1))
    run_jobs()
    assert send_message(planned_message.id).startswith("not claimable")
    assert len(smtp_inbox) == 1
