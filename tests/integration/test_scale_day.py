"""The scale run's generator and seeder (bench/scale): a simulated day is accepted and applied
by the app with nothing lost, and cloned history keeps every row tied to its own order."""
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from app.extensions import db, queues
from app.models import (
    DeliveryState,
    MessageState,
    Order,
    ParcelFact,
    ScheduledMessage,
    Shipment,
    WebhookDelivery,
)
from bench.scale.day import day_steps, make_orders
from bench.scale.shops import make_shops
from bench.scale.templates import create_shops, play_templates
from bench.scale.wire import fixed_clock, render
from tests.support.app_config import SHOPIFY_SECRET

pytestmark = [pytest.mark.scale]
SEED = 10  # its 150 orders include every topic, cancellations, refunds, a failed parcel, duplicates
ORDERS = 150


def test_the_same_seed_gives_the_same_deliveries_byte_for_byte():
    shops = make_shops(6, SEED)
    clock = fixed_clock(datetime(2026, 11, 20, tzinfo=timezone.utc))
    first, again = (day_steps(make_orders(shops, 40, SEED), SEED) for _ in range(2))
    assert [render(s, clock, seed=SEED, shopify_secret="k") for s in first] == \
        [render(s, clock, seed=SEED, shopify_secret="k") for s in again]
    other = day_steps(make_orders(shops, 40, SEED + 1), SEED + 1)
    assert [s.order.placed for s in other] != [s.order.placed for s in first]


def _expected_status(steps) -> str:
    """What the order's last step says the app should show."""
    last = max(steps, key=lambda s: (s.at, s.seq))
    state, shop = last.state, last.order.shop
    if state.cancelled is not None:
        return "cancelled"
    if state.financial == "refunded":
        return "refunded"
    final = {status for _, status in state.parcels}
    if shop.platform == "woocommerce":  # no carrier scans; "delivered" only from a tracking plugin
        return "delivered" if final == {"delivered"} and shop.delivered_status else "shipped"
    return {"failure": "needs_attention", "delivered": "delivered"}.get(final.pop(), "shipped")


def test_a_simulated_day_is_accepted_and_applied_with_nothing_lost(app, client, run_jobs):
    profiles = make_shops(8, SEED)
    create_shops(profiles)
    orders = make_orders(profiles, ORDERS, SEED)
    steps = day_steps(orders, SEED)
    clock = fixed_clock(datetime.now(timezone.utc) - timedelta(days=6))
    answers = Counter()
    for step in steps:
        delivery = render(step, clock, seed=SEED, shopify_secret=SHOPIFY_SECRET)
        answer = client.post(delivery.path, data=delivery.body, headers=delivery.headers)
        answers[(answer.status_code, answer.get_json()["message"], step.duplicate)] += 1
    run_jobs()
    unique = sum(not s.duplicate for s in steps)
    assert answers == {(200, "accepted", False): unique,
                       (200, "duplicate delivery ignored", True): len(steps) - unique}
    assert {p.platform for p in profiles} == {"shopify", "woocommerce"}
    assert {s.topic for s in steps} >= {"orders/create", "orders/paid", "orders/cancelled",
                                        "fulfillments/create",
                                        "fulfillments/update", "fulfillment_events/create", "refunds/create",
                                        "order.created", "order.updated"}
    states = Counter(db.session.scalars(select(WebhookDelivery.state)))
    assert states == {DeliveryState.PROCESSED: unique}
    assert all(FailedJobRegistry(queue=queues.get(name)).count == 0 for name
               in ("webhooks", "mail", "periodic"))
    stored = {o.platform_order_id: o for o in db.session.scalars(select(Order))}
    assert sorted(stored) == sorted(str(o.order_id) for o in orders)  # orders stored == orders generated
    by_order = {}
    for step in steps:
        by_order.setdefault(step.order.order_id, []).append(step)
    mismatched = {oid: (stored[str(oid)].status, _expected_status(s)) for oid, s in by_order.items()
                  if stored[str(oid)].status != _expected_status(s)}
    assert mismatched == {}
    shipped_parcels = db.session.scalar(select(func.count()).select_from(Shipment)
                                        .where(Shipment.tracking_number.is_not(None)))
    notices = db.session.scalar(select(func.count()).select_from(ScheduledMessage)
                                .where(ScheduledMessage.kind == "shipped"))
    assert shipped_parcels > 0.8 * ORDERS and notices == shipped_parcels


def _cloned_history(app, orders: int):
    """30 template orders played through the app, then `orders` clones of them by COPY."""
    from bench.scale.history import HistorySeeder

    profiles = make_shops(6, SEED)
    shop_ids = create_shops(profiles)
    now = datetime.now(timezone.utc)
    templates = play_templates(app, profiles, SEED, SHOPIFY_SECRET, now, count=30)
    seeder = HistorySeeder(db.engine, profiles, shop_ids, templates, SEED, now)
    seeder.grow(orders)
    return seeder, templates, now


def test_cloned_history_keeps_every_row_tied_to_its_own_order(app, client, run_jobs):
    if db.dialect != "postgresql":
        pytest.skip("the history is copied in with PostgreSQL's COPY")
    from bench.scale.history import PARCEL_KINDS, REFUND_KINDS

    seeder, templates, now = _cloned_history(app, 400)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Order)) == len(templates) + 400
    clones = db.session.scalars(select(Order).where(Order.id > max(templates))).all()
    assert all(now - timedelta(days=366) < o.placed_at < now - timedelta(days=7) for o in clones)
    for order in clones:
        parcels = {s.id for s in order.shipments}
        refunds = {r.id for r in order.refunds}
        for message in db.session.scalars(select(ScheduledMessage)
                                          .where(ScheduledMessage.order_id == order.id)):
            assert message.shop_id == order.shop_id and message.customer_id == order.customer_id
            if message.kind in PARCEL_KINDS:
                assert message.sequence in parcels
            if message.kind in REFUND_KINDS:
                assert message.sequence in refunds
            assert message.state != MessageState.PLANNED or message.send_at > now
        assert all(e.happened_at >= order.placed_at for s in order.shipments for e in s.events)
    new_buyers = sum(seeder.known_buyers().values())
    assert 250 < new_buyers < 360  # about a quarter of the clones are returning buyers
    assert len({o.customer_id for o in clones}) == new_buyers


def test_the_cloned_parcels_get_their_stored_figures(app, client, run_jobs):
    """COPY passes no flush hook: seed_to fills parcel_facts with the app's own backfill, so the
    played day's look-ups meet that table at its real size."""
    if db.dialect != "postgresql":
        pytest.skip("the history is copied in with PostgreSQL's COPY")
    from bench.scale.history import fill_facts

    _seeder, templates, now = _cloned_history(app, 200)
    db.session.commit()
    shipped = set(db.session.scalars(select(Shipment.id).where(Shipment.order_id > max(templates),
                                                               Shipment.shipped_at.is_not(None))))
    assert shipped
    assert fill_facts(db.engine, now) >= len(shipped)
    stored = set(db.session.scalars(select(ParcelFact.shipment_id)))
    assert shipped <= stored
