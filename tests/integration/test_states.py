"""The states of deliveries and messages: one table of moves, and no word outside it stored."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import StatementError

from app.extensions import db
from app.models import DeliveryState, MessageState, ScheduledMessage, WebhookDelivery
from app.models.states import (
    DELIVERY_MOVES,
    DELIVERY_STARTS,
    MESSAGE_MOVES,
    MESSAGE_PENDING,
    MESSAGE_STARTS,
    InvalidMove,
    check_move,
)
from tests.support.factories import make_order

D, M = DeliveryState, MessageState
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)

# Every move the code makes, with where it makes it: each must be in the table.
MOVES_THE_CODE_MAKES = [
    (DELIVERY_MOVES, D.RECEIVED, D.PROCESSED, "drain applies it"),
    (DELIVERY_MOVES, D.RECEIVED, D.IGNORED, "unknown shop or an ignored topic"),
    (DELIVERY_MOVES, D.RECEIVED, D.FAILED, "an attempt raised, or the body is unreadable"),
    (DELIVERY_MOVES, D.FAILED, D.PROCESSED, "its own job's retry succeeds"),
    (DELIVERY_MOVES, D.FAILED, D.FAILED, "its own job's retry fails again"),
    (DELIVERY_MOVES, D.PROCESSED, D.RECEIVED, "flask deliveries replay"),
    (DELIVERY_MOVES, D.MALFORMED, D.RECEIVED, "flask deliveries replay of a malformed one"),
    (MESSAGE_MOVES, M.PLANNED, M.QUEUED, "dispatch_due"),
    (MESSAGE_MOVES, M.PLANNED, M.CANCELLED, "sync_own, uninstall, redaction"),
    (MESSAGE_MOVES, M.PLANNED, M.SKIPPED, "a suppression"),
    (MESSAGE_MOVES, M.QUEUED, M.SENDING, "send_message claims it"),
    (MESSAGE_MOVES, M.QUEUED, M.QUEUED, "dispatch redrives a lost job"),
    (MESSAGE_MOVES, M.SENDING, M.QUEUED, "dispatch redrives a crashed send; a failed send retried"),
    (MESSAGE_MOVES, M.SENDING, M.SENT, "send_message"),
    (MESSAGE_MOVES, M.SENDING, M.SKIPPED, "the send-time re-check"),
    (MESSAGE_MOVES, M.SENDING, M.PLANNED, "marketing deferred by caps or quiet hours"),
    (MESSAGE_MOVES, M.SENDING, M.FAILED, "a permanent refusal, or the last attempt"),
    (MESSAGE_MOVES, M.SENDING, M.BOUNCED, "refused at SMTP time"),
    (MESSAGE_MOVES, M.SENT, M.BOUNCED, "a bounce report"),
    (MESSAGE_MOVES, M.SENT, M.COMPLAINED, "a complaint report"),
]

# Moves no code makes and none may: a finished row does not go back to work.
MOVES_REFUSED = [
    (DELIVERY_MOVES, D.PROCESSED, D.FAILED),
    (DELIVERY_MOVES, D.IGNORED, D.PROCESSED),
    (DELIVERY_MOVES, D.RECEIVED, D.MALFORMED),
    (MESSAGE_MOVES, M.SENT, M.PLANNED),
    (MESSAGE_MOVES, M.SENT, M.QUEUED),
    (MESSAGE_MOVES, M.CANCELLED, M.QUEUED),
    (MESSAGE_MOVES, M.SKIPPED, M.SENT),
    (MESSAGE_MOVES, M.FAILED, M.SENDING),
    (MESSAGE_MOVES, M.PLANNED, M.SENT),  # never without a claim
]


@pytest.mark.parametrize(("moves", "states", "starts"), [
    (DELIVERY_MOVES, DeliveryState, DELIVERY_STARTS), (MESSAGE_MOVES, MessageState, MESSAGE_STARTS)])
def test_the_table_covers_every_state_and_reaches_each_from_a_start(moves, states, starts):
    assert set(moves) == set(states)
    assert all(set(targets) <= set(states) for targets in moves.values())
    assert starts <= set(states)
    reached, frontier = set(starts), list(starts)
    while frontier:
        for target in moves[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(states)


def test_stored_words_are_the_ones_old_rows_hold():
    assert [s.value for s in DeliveryState] == ["received", "processed", "ignored", "failed", "malformed"]
    assert [s.value for s in MessageState] == ["planned", "queued", "sending", "sent", "skipped",
                                              "cancelled", "failed", "bounced", "complained"]
    assert max(len(s) for s in [*DeliveryState, *MessageState]) <= 20  # the VARCHAR(20) columns
    assert set(MESSAGE_PENDING) == {M.PLANNED, M.QUEUED}


@pytest.mark.parametrize(("moves", "old", "new", "who"), MOVES_THE_CODE_MAKES)
def test_every_move_the_code_makes_is_allowed(moves, old, new, who):
    check_move(moves, old, new)


@pytest.mark.parametrize(("moves", "old", "new"), MOVES_REFUSED)
def test_a_finished_row_does_not_go_back(moves, old, new):
    with pytest.raises(InvalidMove):
        check_move(moves, old, new)


def _message(shop, state=M.PLANNED) -> ScheduledMessage:
    order = make_order(shop)
    message = ScheduledMessage(shop_id=shop.id, order_id=order.id, customer_id=order.customer_id,
                               kind="shipped", stream="transactional", send_at=NOW, state=state)
    db.session.add(message)
    db.session.commit()
    return message


def _delivery(state=D.RECEIVED) -> WebhookDelivery:
    delivery = WebhookDelivery(platform="shopify", delivery_key="k-1", topic="orders/create", body=b"{}",
                               state=state)
    db.session.add(delivery)
    db.session.commit()
    return delivery


def _stored(table: str, row_id: int) -> str:
    return db.session.execute(text(f"SELECT state FROM {table} WHERE id = :id"), {"id": row_id}).scalar()


def test_an_unknown_word_is_refused_by_the_mapped_row(app, shop):
    message, delivery = _message(shop), _delivery()
    with pytest.raises(ValueError):
        delivery.state = "failed (will retry)"  # the old sentinel was never a state
    with pytest.raises(ValueError):
        message.state = "pending"
    db.session.rollback()
    assert (_stored("webhook_deliveries", delivery.id), _stored("scheduled_messages", message.id)) == (
        "received", "planned")


def test_an_unknown_word_is_refused_by_core_statements(app, shop):
    message = _message(shop)
    with pytest.raises(StatementError, match="pending"):
        db.session.execute(update(ScheduledMessage).where(ScheduledMessage.id == message.id)
                           .values(state="pending"))
    db.session.rollback()
    with pytest.raises(StatementError, match="ignored: unknown shop"):
        db.session.execute(insert(WebhookDelivery).values(
            platform="shopify", delivery_key="k-2", topic="orders/create", state="ignored: unknown shop"))
    db.session.rollback()
    assert _stored("scheduled_messages", message.id) == "planned"
    assert db.session.scalars(select(WebhookDelivery.id)).all() == []


def test_a_move_outside_the_table_is_refused_and_nothing_is_written(app, shop):
    message = _message(shop)
    for state in (M.QUEUED, M.SENDING, M.SENT):
        message.state = state
    db.session.commit()
    with pytest.raises(InvalidMove, match="sent may not become planned"):
        message.state = M.PLANNED
    db.session.rollback()
    assert _stored("scheduled_messages", message.id) == "sent"


def test_rows_read_back_as_members_and_stored_as_the_plain_words(app, shop):
    message, delivery = _message(shop, M.QUEUED), _delivery(D.MALFORMED)
    db.session.expire_all()
    assert type(db.session.get(ScheduledMessage, message.id).state) is MessageState
    assert db.session.get(WebhookDelivery, delivery.id).state is D.MALFORMED
    assert db.session.scalars(select(ScheduledMessage.state)).one() is M.QUEUED
    assert (_stored("scheduled_messages", message.id), _stored("webhook_deliveries", delivery.id)) == (
        "queued", "malformed")


def test_deliveries_list_refuses_a_state_that_does_not_exist(app):
    _delivery(D.PROCESSED)
    listed = app.test_cli_runner().invoke(args=["deliveries", "list", "--state", "processed"])
    assert listed.exit_code == 0 and "\torders/create\tprocessed\t" in listed.output
    refused = app.test_cli_runner().invoke(args=["deliveries", "list", "--state", "done"])
    assert refused.exit_code == 2 and "'done' is not one of" in refused.output
