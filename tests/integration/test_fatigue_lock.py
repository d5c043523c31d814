"""Two workers sending marketing mail to one buyer at the same moment: the fatigue cap
holds across them, because the cap check and the recorded send share the buyer's row lock."""
from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.domain.followups.sync import sync_followups
from app.extensions import db
from app.jobs.dispatch import dispatch_due
from app.jobs.messages import send_message
from app.models import MessageState, ScheduledMessage
from tests.integration.test_mail_streams import _delivered_order, _enable_reviews
from tests.support.smtp_inbox import InboxHandler, serving_smtp

SMTP_SECONDS = 0.5


class SlowInbox(InboxHandler):
    """A mail server that takes its time to accept: the window two senders race in."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(SMTP_SECONDS)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_inbox(app):
    with serving_smtp(app, SlowInbox()) as messages:
        yield messages


def _two_queued_review_requests_for_one_buyer(shop) -> list[int]:
    now = datetime.now(timezone.utc)
    _enable_reviews(shop)
    first = _delivered_order(shop, delivered_at=now - timedelta(days=8))
    # Another product: the same product is asked about once in 12 months.
    second = _delivered_order(shop, delivered_at=now - timedelta(days=8), platform_order_id="2002",
                              lines=(("l1", 1, "v2"),))
    second.customer = first.customer
    for order in (first, second):
        sync_followups(db.session, [order], now)
    db.session.commit()
    dispatch_due(now + timedelta(seconds=1))  # queues them (and the orders' transactional notices)
    ids = list(db.session.scalars(select(ScheduledMessage.id).where(
        ScheduledMessage.kind == "review_request", ScheduledMessage.state == MessageState.QUEUED)))
    assert len(ids) == 2
    return ids


def test_two_workers_sending_marketing_to_one_buyer_send_one_and_defer_the_other(app, shop, slow_inbox):
    if db.dialect != "postgresql":
        pytest.skip("the buyer's row lock (SELECT … FOR UPDATE) is PostgreSQL's; SQLite has no row locks")
    app.config.update(QUIET_HOURS_START=0, QUIET_HOURS_END=0)  # any wall-clock hour
    ids = _two_queued_review_requests_for_one_buyer(shop)
    outcomes, start = {}, threading.Barrier(len(ids))

    def worker(message_id: int) -> None:
        with app.app_context():
            start.wait()
            outcomes[message_id] = send_message(message_id)

    threads = [threading.Thread(target=worker, args=(message_id,)) for message_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcome.split(" ")[0] for outcome in outcomes.values()) == ["deferred", "sent"], outcomes
    assert len(slow_inbox) == 1
    db.session.expire_all()
    sent, deferred = sorted((db.session.get(ScheduledMessage, i) for i in ids),
                            key=lambda m: m.state != MessageState.SENT)
    assert (sent.state, deferred.state) == (MessageState.SENT, MessageState.PLANNED)
    assert deferred.reason == "deferred: fatigue cap or quiet hours"
    # The cap's 16-hour gap, counted from the mail the other worker sent.
    assert abs(deferred.send_at - (sent.sent_at + timedelta(hours=16))) < timedelta(seconds=1)
