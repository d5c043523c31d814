"""Facts change, the stored plan follows: rows added, moved or cancelled (sync_followups)."""
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from app.domain.followups.send_checks import send_time_verdict
from app.domain.followups.sync import sync_followups
from app.domain.orders.order_events import apply_refund
from app.domain.orders.shipments import apply_tracking_update
from app.extensions import db
from app.models import MessageState, ScheduledMessage
from app.read_model.from_orm import message_view
from connectors.base import RefundEvent, TrackingUpdate
from tests.support.factories import T0, add_parcel, carrier_scan, make_order, mark_sent, set_module

UTC = timezone.utc


def _rows(order=None):
    query = select(ScheduledMessage).order_by(ScheduledMessage.kind, ScheduledMessage.id)
    if order is not None:
        query = query.where(ScheduledMessage.order_id == order.id)
    return {(m.kind, m.order_id): m for m in db.session.scalars(query)}


def _states(order):
    return {kind: row.state for (kind, _), row in _rows(order).items()}


def _consenting_order(shop, **fields):
    order = make_order(shop, **fields)
    order.customer.marketing_consent = "granted"
    return order


def _deliver(order, parcel, at):
    apply_tracking_update(order, TrackingUpdate(platform_order_id=order.platform_order_id,
                                                platform_fulfillment_id=parcel.platform_fulfillment_id,
                                                status="delivered", raw_status=None, happened_at=at), "test")


def test_delivery_cancels_the_stall_notice_and_plans_what_follows_arrival(app, shop):
    set_module(shop, "mail_thank_you", voucher_code="DANKE10")
    order = _consenting_order(shop)
    parcel = add_parcel(order)
    carrier_scan(parcel)
    sync_followups(db.session, [order], T0)
    assert _states(order) == {"delayed": MessageState.PLANNED, "shipped": MessageState.PLANNED}
    _deliver(order, parcel, T0 + timedelta(days=1))
    sync_followups(db.session, [order], T0 + timedelta(days=1))
    assert _states(order) == {
        "delayed": MessageState.CANCELLED,
        "delivered": MessageState.PLANNED,
        "shipped": MessageState.CANCELLED,
        "thank_you": "planned",
    }
    assert _rows(order)[("thank_you", order.id)].send_at == T0 + timedelta(days=2)


def test_a_tracking_event_moves_the_planned_stall_notice(app, shop):
    order = make_order(shop)
    parcel = add_parcel(order, shipped_at=T0)
    carrier_scan(parcel)
    sync_followups(db.session, [order], T0)
    row = _rows(order)[("delayed", order.id)]
    assert row.send_at == datetime(2026, 11, 26, 10, tzinfo=UTC)
    apply_tracking_update(
        order,
        TrackingUpdate(
            order.platform_order_id,
            parcel.platform_fulfillment_id,
            status="in_transit",
            raw_status=None,
            happened_at=T0 + timedelta(days=2),
        ),
        "test",
    )
    sync_followups(db.session, [order], T0 + timedelta(days=2))
    # Wed + 3 = Mon
    assert (row.state, row.send_at) == (MessageState.PLANNED, datetime(2026, 11, 30, 10, tzinfo=UTC))


def test_a_stale_transactional_notice_is_skipped_not_sent_late(app, shop):
    order = make_order(shop)
    parcel = add_parcel(order, status="out_for_delivery")
    apply_tracking_update(order, TrackingUpdate(order.platform_order_id, parcel.platform_fulfillment_id,
                                                status="out_for_delivery", raw_status=None,
                                                happened_at=T0), "test")
    sync_followups(db.session, [order], T0)
    row = _rows(order)[("out_for_delivery", order.id)]
    assert send_time_verdict(message_view(row), db.session, T0 + timedelta(hours=1)) is None
    assert send_time_verdict(message_view(row), db.session,
                             T0 + timedelta(days=1)) == "stale: its moment has passed"


def test_refund_cancels_marketing_and_plans_the_refund_notice(app, shop):
    set_module(shop, "mail_thank_you")
    set_module(shop, "mail_review_request")
    order = _consenting_order(shop)
    add_parcel(order, status="delivered", delivered_at=T0)
    sync_followups(db.session, [order], T0)
    assert _states(order) == {
        "delivered": MessageState.PLANNED,
        "review_request": MessageState.PLANNED,
        "thank_you": MessageState.PLANNED,
    }
    apply_refund(order, RefundEvent(order.platform_order_id, "r1", T0 + timedelta(days=1), (("l1", 1),),
                                    amount=Decimal("49.90")), T0)
    sync_followups(db.session, [order], T0 + timedelta(days=1))
    assert _states(order) == {
        "delivered": MessageState.PLANNED,
        "refund_issued": MessageState.PLANNED,
        "review_request": MessageState.CANCELLED,
        "thank_you": "cancelled",
    }


def test_return_cancels_marketing_and_plans_the_return_notice(app, shop):
    set_module(shop, "mail_referral")
    order = _consenting_order(shop, lines=(("l1", 2),))
    add_parcel(order, status="delivered", delivered_at=T0, line_items=(("l1", 2),))
    sync_followups(db.session, [order], T0)
    apply_refund(order, RefundEvent(order.platform_order_id, "r1", T0 + timedelta(days=4), (("l1", 1),),
                                    returned=True, amount=Decimal("10")), T0)
    sync_followups(db.session, [order], T0 + timedelta(days=4))
    assert _states(order) == {
        "delivered": MessageState.PLANNED,
        "referral": MessageState.CANCELLED,
        "return_received": MessageState.PLANNED,
    }


def test_cancellation_cancels_everything_planned(app, shop):
    set_module(shop, "mail_win_back")
    order = _consenting_order(shop)
    add_parcel(order, status="delivered", delivered_at=T0)
    sync_followups(db.session, [order], T0)
    order.cancelled_at = T0 + timedelta(hours=2)
    sync_followups(db.session, [order], T0 + timedelta(hours=2))
    assert set(_states(order).values()) == {MessageState.CANCELLED} and "win_back" in _states(order)


def test_consent_withdrawn_cancels_marketing_only(app, shop):
    set_module(shop, "mail_anniversary")
    order = _consenting_order(shop)
    add_parcel(order, status="delivered", delivered_at=T0)
    sync_followups(db.session, [order], T0)
    order.customer.marketing_consent = "withdrawn"
    sync_followups(db.session, [order], T0 + timedelta(days=1))
    assert _states(order) == {"anniversary": MessageState.CANCELLED,
                              "delivered": MessageState.PLANNED}


def test_module_switched_off_cancels_its_plans(app, shop):
    set_module(shop, "mail_referral")
    order = _consenting_order(shop)
    add_parcel(order, status="delivered", delivered_at=T0)
    sync_followups(db.session, [order], T0)
    set_module(shop, "mail_referral", enabled=False)
    set_module(shop, "mail_delivered", enabled=False)
    sync_followups(db.session, [order], T0)
    assert _states(order) == {"delivered": MessageState.CANCELLED,
                              "referral": MessageState.CANCELLED}


def test_a_new_order_cancels_the_earlier_win_back_and_plans_its_own(app, shop):
    set_module(shop, "mail_win_back")
    first = _consenting_order(shop)
    add_parcel(first, status="delivered", delivered_at=T0)
    sync_followups(db.session, [first], T0)
    assert _states(first) == {"delivered": MessageState.PLANNED, "win_back": MessageState.PLANNED}
    second = make_order(shop, platform_order_id="1002", placed_at=T0 + timedelta(days=30))
    second.customer = first.customer
    add_parcel(second, status="delivered", delivered_at=T0 + timedelta(days=32))
    sync_followups(db.session, [second], T0 + timedelta(days=32))
    assert _states(first)["win_back"] == MessageState.CANCELLED
    assert _rows(second)[("win_back", second.id)].send_at == T0 + timedelta(days=150)


def test_review_reminder_planned_when_the_request_was_sent_and_only_once(app, shop):
    set_module(shop, "mail_review_request")
    set_module(shop, "mail_review_reminder")
    order = _consenting_order(shop)
    add_parcel(order, status="delivered", delivered_at=T0)
    sync_followups(db.session, [order], T0)
    request = _rows(order)[("review_request", order.id)]
    mark_sent(request, T0 + timedelta(days=7))
    sync_followups(db.session, [order], T0 + timedelta(days=7))
    reminder = _rows(order)[("review_reminder", order.id)]
    assert (reminder.state, reminder.send_at) == (MessageState.PLANNED, T0 + timedelta(days=12))
    mark_sent(reminder, T0 + timedelta(days=12))
    sync_followups(db.session, [order], T0 + timedelta(days=20))
    kinds = [kind for kind, _ in _rows(order)]
    assert kinds.count("review_reminder") == 1 and kinds.count("review_request") == 1


def test_a_reviewed_buyer_gets_no_reminder(app, shop):
    set_module(shop, "mail_review_request")
    set_module(shop, "mail_review_reminder")
    order = _consenting_order(shop)
    add_parcel(order, status="delivered", delivered_at=T0)
    sync_followups(db.session, [order], T0)
    request = _rows(order)[("review_request", order.id)]
    mark_sent(request, T0 + timedelta(days=7))
    sync_followups(db.session, [order], T0 + timedelta(days=7))
    request.clicked_at = T0 + timedelta(days=8)
    sync_followups(db.session, [order], T0 + timedelta(days=8))
    assert _states(order)["review_reminder"] == MessageState.CANCELLED


def test_the_same_product_is_asked_once_in_12_months_across_orders(app, shop):
    set_module(shop, "mail_review_request")
    first = _consenting_order(shop, lines=(("l1", 1, "v1"),))
    add_parcel(first, status="delivered", delivered_at=T0)
    sync_followups(db.session, [first], T0)
    request = _rows(first)[("review_request", first.id)]
    mark_sent(request, T0 + timedelta(days=7))

    again = make_order(shop, platform_order_id="1002", lines=(("l1", 1, "v1"),),
                       placed_at=T0 + timedelta(days=60))
    again.customer = first.customer
    add_parcel(again, status="delivered", delivered_at=T0 + timedelta(days=62))
    sync_followups(db.session, [again], T0 + timedelta(days=62))
    assert "review_request" not in _states(again)

    other = make_order(shop, platform_order_id="1003", lines=(("l1", 1, "v7"),),
                       placed_at=T0 + timedelta(days=60))
    other.customer = first.customer
    add_parcel(other, status="delivered", delivered_at=T0 + timedelta(days=62))
    sync_followups(db.session, [other], T0 + timedelta(days=62))
    assert _states(other)["review_request"] == MessageState.PLANNED

    year_later = make_order(shop, platform_order_id="1004", lines=(("l1", 1, "v1"),),
                            placed_at=T0 + timedelta(days=380))
    year_later.customer = first.customer
    add_parcel(year_later, status="delivered", delivered_at=T0 + timedelta(days=382))
    sync_followups(db.session, [year_later], T0 + timedelta(days=382))
    assert _states(year_later)["review_request"] == MessageState.PLANNED


def test_orders_planned_together_get_the_mails_each_gets_planned_alone(app, shop):
    """One planner entry: a drain's batch of orders is planned as each order alone would be,
    the buyer's earlier orders included (here a win-back the new order makes unwanted)."""
    set_module(shop, "mail_win_back")
    set_module(shop, "mail_review_request")
    first = _consenting_order(shop)
    add_parcel(first, status="delivered", delivered_at=T0)
    sync_followups(db.session, [first], T0)
    assert _states(first)["win_back"] == MessageState.PLANNED
    second = _consenting_order(shop, platform_order_id="1002", placed_at=T0 + timedelta(days=30))
    second.customer = first.customer
    add_parcel(second, status="delivered", delivered_at=T0 + timedelta(days=32))
    other = _consenting_order(shop, platform_order_id="1003", placed_at=T0 + timedelta(days=31))
    add_parcel(other, status="delivered", delivered_at=T0 + timedelta(days=32))
    db.session.commit()
    now = T0 + timedelta(days=32)

    def planned(*groups):
        savepoint = db.session.begin_nested()
        for orders in groups:
            sync_followups(db.session, orders, now)
        db.session.flush()
        rows = {(m.kind, m.order_id, m.state, m.send_at) for m
                in db.session.scalars(select(ScheduledMessage))}
        savepoint.rollback()
        return rows

    together, alone = planned([second, other]), planned([second], [other])
    assert together == alone
    assert ("win_back", first.id, MessageState.CANCELLED) in {row[:3] for row in together}
    assert {kind for kind, order_id, *_ in together if order_id == other.id} >= {"review_request", "win_back"}


def test_plans_another_worker_stored_meanwhile_are_kept_once_and_the_rest_still_inserted(app, shop):
    """An order's new plans go in with one savepoint; when one of them collides with a row
    another worker stored a moment ago (the unique key), each goes again in its own."""
    from app.domain.followups.history import read_buyers
    from app.domain.followups.sync import sync_own

    order = make_order(shop)
    parcel = add_parcel(order)
    carrier_scan(parcel)
    sync_followups(db.session, [order], T0)
    db.session.commit()
    assert set(_states(order)) == {"delayed", "shipped"}
    db.session.delete(_rows(order)[("delayed", order.id)])
    db.session.commit()
    # This worker read the order's mails before the other one stored its "shipped" notice.
    sync_own(db.session, order, T0, [], read_buyers(db.session, [order]))
    db.session.commit()
    rows = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.order_id == order.id)).all()
    assert sorted(row.kind for row in rows) == ["delayed", "shipped"]
    assert all(row.state == MessageState.PLANNED for row in rows)


def test_a_batch_inserts_its_orders_new_plans_under_one_savepoint(app, shop):
    from tests.support.sql_statements import recorded_statements

    orders = []
    for n in range(3):
        order = make_order(shop, platform_order_id=f"{2000 + n}")
        carrier_scan(add_parcel(order))
        orders.append(order)
    db.session.flush()
    with recorded_statements() as statements:
        sync_followups(db.session, orders, T0)
    savepoints = [s for s in statements if s.startswith("SAVEPOINT")]
    inserts = [s for s in statements if s.startswith("INSERT INTO scheduled_messages")]
    assert len(savepoints) == 1, "\n".join(s[:100] for s in statements)
    # One INSERT for the six on PostgreSQL; SQLite gives no ordered RETURNING for many rows.
    assert len(inserts) == (1 if db.dialect == "postgresql" else 6)
    db.session.commit()
    assert [_states(order) for order in orders] == [
        {"delayed": MessageState.PLANNED, "shipped": MessageState.PLANNED}] * 3


def test_a_batch_whose_plan_another_worker_stored_meanwhile_keeps_the_others(app, shop, monkeypatch):
    import app.domain.followups.sync as sync

    first, second = make_order(shop, platform_order_id="3001"), make_order(shop, platform_order_id="3002")
    for order in (first, second):
        carrier_scan(add_parcel(order))
    sync_followups(db.session, [first], T0)
    db.session.delete(_rows(first)[("delayed", first.id)])
    db.session.commit()
    # This worker read the orders' mails before the other one stored the first's "shipped".
    monkeypatch.setattr(sync, "stored_messages_of", lambda session,
                        orders: {order.id: [] for order in orders})
    sync_followups(db.session, [first, second], T0)
    db.session.commit()
    kinds = Counter((m.order_id, m.kind) for m in db.session.scalars(select(ScheduledMessage)))
    assert kinds == {(first.id, "shipped"): 1, (first.id, "delayed"): 1,
                     (second.id, "shipped"): 1, (second.id, "delayed"): 1}
