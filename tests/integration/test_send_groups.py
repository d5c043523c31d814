"""Send groups: one RQ job sends several due mails, each with its own claim, commit and failure
record; a failing mail goes on alone with RQ's back-off, the others are sent; a duplicate group
sends nothing twice; the dispatcher's redrive knows which job carries each message."""
from datetime import datetime, timedelta, timezone

from rq import SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from app.domain.followups.sync import sync_followups
from app.extensions import db, queues
from app.jobs.dispatch import dispatch_due
from app.jobs.messages import SEND_GROUP, carrier_jobs, message_job_id, send_messages
from app.models import MessageState, ScheduledMessage
from app.queues import BACKOFF
from tests.support.factories import add_parcel, make_order
from tests.support.smtp_inbox import InboxHandler, serving_smtp

# The send job reads the wall clock: a shipping notice planned long ago is skipped as stale.
NOW = datetime.now(timezone.utc)


class BusyFor(InboxHandler):
    """Accepts every recipient but one, which gets a temporary refusal."""

    def __init__(self, refused: str) -> None:
        super().__init__()
        self.refused = refused

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refused:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def _plan(shop, count: int) -> list[int]:
    for n in range(count):
        order = make_order(shop, platform_order_id=str(7000 + n))
        add_parcel(order, shipped_at=NOW)
        sync_followups(db.session, [order], NOW)
    db.session.commit()
    return list(db.session.scalars(select(ScheduledMessage.id).where(ScheduledMessage.kind == "shipped")
                                   .order_by(ScheduledMessage.id)))


def _mail_jobs() -> list[Job]:
    queue = queues.get("mail")
    return [Job.fetch(job_id, connection=queues.redis) for job_id in queue.get_job_ids()]


def _rows(ids) -> dict[int, ScheduledMessage]:
    db.session.expire_all()
    return {row.id: row for row in db.session.scalars(select(ScheduledMessage)
                                                        .where(ScheduledMessage.id.in_(ids)))}


def test_one_job_sends_a_group_each_mail_claimed_and_committed_alone(app, shop, run_jobs):
    ids = _plan(shop, 5)
    assert dispatch_due(NOW + timedelta(minutes=1))["queued"] == 5
    [group] = _mail_jobs()
    assert (group.func_name, group.args) == ("app.jobs.messages.send_messages", (ids,))
    assert carrier_jobs(ids) == dict.fromkeys(ids, group.id)
    with serving_smtp(app, InboxHandler()) as inbox:
        run_jobs()
    rows = _rows(ids)
    assert {row.state for row in rows.values()} == {MessageState.SENT}
    assert [row.attempts for row in rows.values()] == [1] * 5
    assert sorted(m["envelope_to"][0] for m in inbox) == sorted(row.customer.email for row in rows.values())
    assert Job.fetch(group.id, connection=queues.redis).return_value() == dict.fromkeys(ids, "sent")
    assert carrier_jobs(ids) == {}  # finished: the redrive no longer looks for this job


def test_due_mails_are_split_into_even_groups_of_at_most_send_group(app, shop):
    ids = _plan(shop, SEND_GROUP + 3)
    dispatch_due(NOW + timedelta(minutes=1))
    carried = [job.args[0] for job in _mail_jobs()]
    assert sorted(len(group) for group in carried) == [(SEND_GROUP + 3) // 2, (SEND_GROUP + 4) // 2]
    assert sorted(sum(carried, [])) == ids  # each exactly once


def test_a_failing_mail_is_recorded_and_retried_alone_while_the_others_are_sent(app, shop, run_jobs):
    ids = _plan(shop, 4)
    refused = _rows(ids)[ids[1]].customer.email
    dispatch_due(NOW + timedelta(minutes=1))
    with serving_smtp(app, BusyFor(refused)) as inbox:
        run_jobs()
    rows = _rows(ids)
    failing = rows[ids[1]]
    assert (failing.state, failing.reason, failing.attempts) == (MessageState.QUEUED, None, 1)
    assert "451" in failing.last_error
    assert {rows[i].state for i in ids if i != ids[1]} == {MessageState.SENT}
    assert len(inbox) == 3 and refused not in [m["envelope_to"][0] for m in inbox]
    # Its own job, waiting the first back-off, with the retries a job of its own has left.
    retry = Job.fetch(message_job_id(ids[1]), connection=queues.redis)
    assert retry.id in ScheduledJobRegistry(queue=queues.get("mail")).get_job_ids()
    assert (retry.args, retry.retries_left, retry.retry_intervals) == (
        (ids[1],), len(BACKOFF) - 1, BACKOFF[1:])
    # Its back-off over (as RQ's scheduler would move it), the mailbox takes it: sent once.
    ScheduledJobRegistry(queue=queues.get("mail")).remove(retry)
    queues.get("mail").enqueue_job(retry)
    with serving_smtp(app, InboxHandler()) as inbox:
        run_jobs()
    failing = _rows(ids)[ids[1]]
    assert (failing.state, failing.attempts) == (MessageState.SENT, 2)
    assert [m["envelope_to"][0] for m in inbox] == [refused]


def test_a_render_crash_fails_one_mail_of_the_group_only(app, shop, run_jobs, monkeypatch):
    from app.jobs import messages

    ids = _plan(shop, 3)
    render = messages.render_message

    def crash_on_second(message):
        if message.id == ids[1]:
            raise RuntimeError("template blew up")
        return render(message)

    monkeypatch.setattr(messages, "render_message", crash_on_second)
    dispatch_due(NOW + timedelta(minutes=1))
    with serving_smtp(app, InboxHandler()) as inbox:
        run_jobs()
    rows = _rows(ids)
    assert (rows[ids[1]].state, rows[ids[1]].last_error) == (MessageState.QUEUED,
                                                             "RuntimeError: template blew up")
    assert [rows[ids[0]].state, rows[ids[2]].state] == [MessageState.SENT] * 2 and len(inbox) == 2
    assert message_job_id(ids[1]) in ScheduledJobRegistry(queue=queues.get("mail")).get_job_ids()


def test_a_duplicate_group_sends_nothing_twice_and_leaves_the_carrier_alone(app, shop, run_jobs):
    ids = _plan(shop, 3)
    dispatch_due(NOW + timedelta(minutes=1))
    [original] = _mail_jobs()
    duplicate = queues.get("mail").enqueue(send_messages, ids, job_id="messages-duplicate", at_front=True)
    with serving_smtp(app, InboxHandler()) as inbox:
        SimpleWorker([queues.get("mail")], connection=queues.redis).work(burst=True, max_jobs=1)
        assert duplicate.latest_result().return_value == dict.fromkeys(ids, "sent")
        assert carrier_jobs(ids) == dict.fromkeys(ids, original.id)  # not the duplicate's to clear
        run_jobs()
    assert len(inbox) == 3
    outcomes = Job.fetch(original.id, connection=queues.redis).return_value()
    assert set(outcomes) == set(ids) and all(o.startswith("not claimable") for o in outcomes.values())
    assert carrier_jobs(ids) == {}


def test_the_redrive_leaves_a_carried_group_alone_and_regroups_what_redis_lost(app, shop, run_jobs):
    ids = _plan(shop, 4)
    dispatch_due(datetime.now(timezone.utc))
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    # Waiting in the queue longer than the redrive's 60 s: its group job carries it.
    assert dispatch_due(later)["redriven_messages"] == 0
    assert len(_mail_jobs()) == 1
    queues.redis.flushdb()
    assert dispatch_due(later)["redriven_messages"] == 4
    [group] = _mail_jobs()
    assert sorted(group.args[0]) == ids and carrier_jobs(ids) == dict.fromkeys(ids, group.id)
    assert dispatch_due(later)["redriven_messages"] == 0
    with serving_smtp(app, InboxHandler()) as inbox:
        run_jobs()
    assert len(inbox) == 4 and {r.state for r in _rows(ids).values()} == {MessageState.SENT}


def test_a_mail_left_sending_by_a_finished_group_is_redriven(app, shop, run_jobs):
    """A worker died mid-send and RQ ran the group again: the claimed mail is not claimable for
    the group, which lets go of it; the redrive sends it."""
    ids = _plan(shop, 2)
    dispatch_due(datetime.now(timezone.utc))
    db.session.execute(ScheduledMessage.__table__.update().where(ScheduledMessage.id == ids[0])
                       .values(state=MessageState.SENDING))
    db.session.commit()
    with serving_smtp(app, InboxHandler()) as inbox:
        run_jobs()
        assert len(inbox) == 1 and carrier_jobs(ids) == {}
        assert dispatch_due(datetime.now(timezone.utc) + timedelta(minutes=5))["redriven_messages"] == 1
        run_jobs()
    assert len(inbox) == 2 and {r.state for r in _rows(ids).values()} == {MessageState.SENT}


class SlowInbox(InboxHandler):
    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(3.2)  # past half the job's time, with room to spare before the timeout
        return await super().handle_DATA(server, session, envelope)


def test_a_group_past_half_its_time_hands_the_rest_to_a_new_group(app, shop, run_jobs):
    app.config["MAIL_JOB_TIMEOUT_SECONDS"] = 6  # a mail starts only while 3 s are left
    ids = _plan(shop, 3)
    dispatch_due(NOW + timedelta(minutes=1))
    [first] = _mail_jobs()
    with serving_smtp(app, SlowInbox()) as inbox:
        SimpleWorker([queues.get("mail")], connection=queues.redis).work(burst=True, max_jobs=1)
        assert Job.fetch(first.id, connection=queues.redis).return_value() == {ids[0]: "sent"}
        [rest] = _mail_jobs()
        assert rest.args == (ids[1:],) and carrier_jobs(ids) == dict.fromkeys(ids[1:], rest.id)
        run_jobs()
    assert len(inbox) == 3 and {r.state for r in _rows(ids).values()} == {MessageState.SENT}
    assert [r.attempts for r in _rows(ids).values()] == [1, 1, 1]
