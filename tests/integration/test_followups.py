"""The timing brain's first rule and the plan/diff/send-time guards around it."""
from datetime import timedelta

from sqlalchemy import select

from app.domain.followups.rules import plan_followups
from app.domain.followups.send_checks import send_time_verdict
from app.domain.followups.sync import sync_followups
from app.extensions import db
from app.models import MessageState, ScheduledMessage, ShopModule
from app.read_model.from_orm import message_view
from tests.support.factories import T0, add_parcel, carrier_scan, make_order


def test_parcel_with_tracking_gets_one_shipped_notice_at_dispatch(app, shop):
    order = make_order(shop)
    parcel = add_parcel(order)
    plans = [p for p in plan_followups(order, shop, T0 + timedelta(minutes=5)) if p.kind == "shipped"]
    assert [(p.kind, p.sequence, p.stream, p.send_at) for p in plans] == [
        ("shipped", parcel.id, "transactional", T0)]


def test_two_parcels_get_a_notice_each(app, shop):
    order = make_order(shop, lines=(("l1", 1), ("l2", 1)))
    first = add_parcel(order)
    second = add_parcel(order, fulfillment_id="f2", tracking_number="JJD000390007788",
                        line_items=(("l2", 1),))
    assert sorted(p.sequence for p in plan_followups(order, shop, T0) if p.kind == "shipped") == sorted(
        [first.id, second.id])


def _shipped(plans):
    return [p for p in plans if p.kind == "shipped"]


def test_no_notice_without_tracking_or_when_cancelled_or_delivered_or_switched_off(app, shop):
    order = make_order(shop)
    add_parcel(order, tracking_number=None)
    assert plan_followups(order, shop, T0) == []

    delivered = make_order(shop, platform_order_id="2")
    add_parcel(delivered, status="delivered")
    assert _shipped(plan_followups(delivered, shop, T0)) == []

    cancelled = make_order(shop, platform_order_id="3", cancelled_at=T0)
    add_parcel(cancelled)
    assert plan_followups(cancelled, shop, T0) == []

    live = make_order(shop, platform_order_id="4")
    add_parcel(live)
    db.session.add(ShopModule(shop_id=shop.id, key="mail_shipped", enabled=False))
    db.session.flush()
    db.session.refresh(shop)
    assert _shipped(plan_followups(live, shop, T0)) == []


def test_sync_adds_once_and_cancels_what_is_no_longer_wanted(app, shop):
    order = make_order(shop)
    carrier_scan(add_parcel(order))
    sync_followups(db.session, [order], T0)
    sync_followups(db.session, [order], T0)
    rows = db.session.scalars(select(ScheduledMessage).order_by(ScheduledMessage.kind)).all()
    # The shipped notice, and the stall notice planned for 3 business days without news.
    assert [(r.kind, r.state) for r in rows] == [("delayed", MessageState.PLANNED),
                                                 ("shipped", MessageState.PLANNED)]

    order.cancelled_at = T0 + timedelta(hours=1)
    sync_followups(db.session, [order], T0 + timedelta(hours=1))
    assert [(r.state, r.reason) for r in rows] == [
        (MessageState.CANCELLED, "no longer planned")] * 2


def test_send_time_verdict_skips_stale_and_suppressed(app, shop):
    order = make_order(shop)
    add_parcel(order)
    sync_followups(db.session, [order], T0)
    message = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "shipped")).one()
    assert send_time_verdict(message_view(message), db.session, T0 + timedelta(hours=1)) is None
    assert send_time_verdict(message_view(message), db.session, T0 + timedelta(days=4)).startswith("stale")
    order.customer.suppressed_reason = "unsubscribed"
    assert send_time_verdict(message_view(message), db.session,
                             T0 + timedelta(hours=1)) == "suppressed: unsubscribed"
