"""The dispatcher: due rows only, each claimed once even with concurrent dispatchers."""
import threading
from datetime import datetime, timedelta, timezone

import pytest
from rq.job import Job
from sqlalchemy import select

from app.domain.followups.sync import sync_followups
from app.extensions import db, queues
from app.jobs.dispatch import dispatch_due
from app.models import MessageState, ScheduledMessage
from tests.support.factories import T0, add_parcel, make_order


def _plan_orders(shop, count: int, shipped_at=T0):
    for n in range(count):
        order = make_order(shop, platform_order_id=str(5000 + n))
        add_parcel(order, shipped_at=shipped_at)
        sync_followups(db.session, [order], T0)
    db.session.commit()


def test_only_due_rows_are_queued(app, shop):
    _plan_orders(shop, 1, shipped_at=T0 + timedelta(hours=2))
    assert dispatch_due(T0 + timedelta(hours=1))["queued"] == 0
    assert dispatch_due(T0 + timedelta(hours=2))["queued"] == 1
    assert queues.get("mail").count == 1


def test_concurrent_dispatchers_claim_each_row_once(app, shop):
    if db.dialect != "postgresql":
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) are a PostgreSQL feature; SQLite serialises writers")
    now = datetime.now(timezone.utc)  # real time: the redrive pass must see fresh claims as fresh
    _plan_orders(shop, 40, shipped_at=now - timedelta(minutes=1))
    results, barrier = [], threading.Barrier(4)

    def run():
        with app.app_context():
            barrier.wait()
            results.append(dispatch_due(now)["queued"])

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 40
    states = db.session.scalars(select(ScheduledMessage.state)
                                .where(ScheduledMessage.kind == "shipped")).all()
    assert states == [MessageState.QUEUED] * 40
    # Each queued row is carried by exactly one send job (a group of up to SEND_GROUP).
    carried = [message_id for job_id in queues.get("mail").get_job_ids()
               for message_id in Job.fetch(job_id, connection=queues.redis).args[0]]
    queued = db.session.scalars(select(ScheduledMessage.id).where(ScheduledMessage.kind == "shipped")).all()
    assert len(carried) == 40 and set(carried) == set(queued)
