"""The planner reads a mapped order and its read-model view alike (app/domain/followups/planner_input.py).

The ingest path plans mapped rows; the send-time re-check asks the planner again with the
message's views, and a mail is skipped as "no longer planned" when the two disagree. So for
every kind of order the two shapes must give the same plans and the same history.
"""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.domain.followups.history import load_history
from app.domain.followups.rules import History, plan_followups
from app.domain.orders.order_events import apply_refund
from app.extensions import db
from app.models import MessageState, ScheduledMessage
from app.read_model.from_orm import order_view
from connectors.base import RefundEvent
from tests.support.factories import T0, add_parcel, carrier_scan, make_order, mark_sent, set_module

UTC = timezone.utc
FRI = datetime(2026, 11, 27, 10, tzinfo=UTC)
MARKETING = {
    "mail_review_request": {}, "mail_review_reminder": {}, "mail_thank_you": {"voucher_code": "DANKE10"},
    "mail_how_to": {"content": {"de": "Nur kalt waschen."}}, "mail_nps": {},
    "mail_replenishment": {"intervals": {"p-v1": 30}}, "mail_anniversary": {}, "mail_win_back": {},
    "mail_referral": {},
}


def _delivered(shop):
    order = make_order(shop, lines=(("l1", 1, "v1"), ("l2", 2, "v2")), placed_at=T0 - timedelta(days=3))
    add_parcel(order, status="delivered", shipped_at=T0 - timedelta(days=2), delivered_at=T0,
               line_items=(("l1", 1), ("l2", 2)))
    refund = RefundEvent(order.platform_order_id, "r1", T0, (("l2", 1),), amount=Decimal("10"))
    apply_refund(order, refund, T0)
    return order


def _in_trouble(shop):
    order = make_order(shop, lines=(("l1", 1), ("l2", 1), ("l3", 1)))
    carrier_scan(add_parcel(order, shipped_at=FRI, line_items=(("l1", 1),)))  # then silence: stalls
    parcel = add_parcel(order, status="out_for_delivery", fulfillment_id="f2", line_items=(("l2", 1),))
    carrier_scan(parcel, at=T0 + timedelta(hours=2))
    failed = add_parcel(order, status="attempt_failed", fulfillment_id="f3", line_items=(("l3", 1),))
    carrier_scan(failed, at=T0 + timedelta(hours=4))
    return order


def _not_shipped(shop):
    return make_order(shop, placed_at=FRI)


def _fulfilled_without_parcel(shop):
    return make_order(shop, fulfillment_status="fulfilled")


def _returned(shop):
    order = _delivered(shop)
    apply_refund(order, RefundEvent(order.platform_order_id, "r2", T0 + timedelta(days=1), (("l1", 1),),
                                    returned=True, amount=Decimal("20")), T0)
    return order


def _cancelled(shop):
    order = _delivered(shop)
    order.cancelled_at = T0 + timedelta(days=1)
    return order


@pytest.mark.parametrize("build", [_delivered, _in_trouble, _not_shipped, _fulfilled_without_parcel,
                                   _returned, _cancelled])
@pytest.mark.parametrize("history", [History(), History(review_sent_at=T0 + timedelta(days=7))])
def test_a_view_is_planned_as_its_mapped_order(app, shop, build, history):
    for key, settings in MARKETING.items():
        set_module(shop, key, **settings)
    order = build(shop)
    order.customer.marketing_consent = "granted"
    db.session.flush()
    view = order_view(order)
    planned = plan_followups(order, shop, T0, history)
    assert planned, "every order here gets some mail"
    assert plan_followups(view, view.shop, T0, history) == planned


def test_the_marketing_order_gets_the_kinds_compared(app, shop):
    """The comparison above covers the marketing rules, not only the notices."""
    for key, settings in MARKETING.items():
        set_module(shop, key, **settings)
    order = _delivered(shop)
    order.customer.marketing_consent = "granted"
    db.session.flush()
    kinds = {plan.kind for plan in plan_followups(order_view(order), order_view(order).shop, T0,
                                                  History(review_sent_at=T0 + timedelta(days=7)))}
    assert kinds >= {"delivered", "refund_issued", "review_request", "review_reminder", "thank_you", "how_to",
                     "nps", "replenishment", "anniversary", "win_back", "referral"}


def test_a_view_reads_the_same_history_as_its_mapped_order(app, shop):
    set_module(shop, "mail_replenishment", intervals={"p-v1": 30})
    order = _delivered(shop)
    earlier = make_order(shop, platform_order_id="1000", lines=(("l9", 1, "v2"),),
                         placed_at=T0 - timedelta(days=90))
    later = make_order(shop, platform_order_id="1002", lines=(("l7", 1, "v1"),), placed_at=T0)
    earlier.customer = later.customer = order.customer
    db.session.flush()
    asked = ScheduledMessage(shop_id=shop.id, order_id=earlier.id, customer_id=order.customer_id,
                             kind="review_request", sequence=0, stream="marketing",
                             send_at=T0 - timedelta(days=80), state=MessageState.PLANNED)
    own = ScheduledMessage(shop_id=shop.id, order_id=order.id, customer_id=order.customer_id,
                           kind="review_request", sequence=0, stream="marketing",
                           send_at=T0 - timedelta(days=1), state=MessageState.PLANNED, clicked_at=T0)
    db.session.add_all([asked, own])
    db.session.flush()
    mark_sent(asked, T0 - timedelta(days=80))
    mark_sent(own, T0 - timedelta(days=1))
    db.session.flush()
    mapped = load_history(db.session, order)
    assert mapped == History(review_sent_at=T0 - timedelta(days=1), reviewed=True,
                             products_asked=(("p-v2", T0 - timedelta(days=80)),), newer_order=True,
                             newer_products=frozenset({"p-v1"}), learned_intervals={})
    assert load_history(db.session, order_view(order)) == mapped
