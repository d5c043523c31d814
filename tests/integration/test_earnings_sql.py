"""The Earnings figures the database counts (GROUP BY, app/domain/analytics/earnings.py) equal
the same figures worked out here in Python from the generated history: credited orders and
revenue per module, the chart's series by the shop's local days (a clock change inside the
period), the currency, and each cohort order's repeat revenue, with orders exactly on the
repeat window's edge. Runs on SQLite and (TEST_DATABASE_URL) PostgreSQL alike."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from app.domain.analytics.earnings import REPEAT_WINDOW, earnings_report, repeat_revenues
from app.extensions import db
from app.models import Order, OrderAttribution, Shop
from app.read_model.loads import load_modules
from tests.support import engagement_history as history_gen

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=timezone.utc)  # the 30 days hold the end of summer time
MODULES = ("reorder", "recommendations", "banner", "mail_thank_you", "mail_win_back")


def _net(order: history_gen.SyntheticOrder) -> Decimal:
    return Decimal(0) if order.cancelled else max(order.total - order.refunded, Decimal(0))


@pytest.fixture
def history(app):
    shop = Shop(platform="shopify", domain="rechnen.myshopify.com", name="Rechnen")
    db.session.add(shop)
    db.session.commit()
    generated = history_gen.generate(NOW, shop.holdout_salt, 0.05, customers=1500, seed=31)
    orders = generated.orders
    # On the edges: a repeat exactly REPEAT_WINDOW after an order of the cohort (inside) and one
    # a second later (outside); orders just after local midnight on a Monday, in summer and
    # winter time (UTC's day is the Sunday before).
    cohort = next(o for o in orders if NOW - timedelta(days=100) <= o.placed_at <= NOW - timedelta(days=40))
    edge = [history_gen.SyntheticOrder(900_001, cohort.customer, cohort.placed_at + REPEAT_WINDOW,
                                       Decimal("41.50")),
            history_gen.SyntheticOrder(900_002, cohort.customer,
                                       cohort.placed_at + REPEAT_WINDOW + timedelta(seconds=1),
                                       Decimal("13.25")),
            history_gen.SyntheticOrder(900_003, orders[0].customer,
                                       datetime(2026, 10, 26, 0, 20, tzinfo=BERLIN),
                                       Decimal("77.70")),
            history_gen.SyntheticOrder(900_004, orders[1].customer,
                                       datetime(2026, 10, 19, 0, 40, tzinfo=BERLIN),
                                       Decimal("12.00"))]
    generated.orders = orders + edge
    history_gen.seed_history(shop, generated)
    db.session.execute(Order.__table__.update().where(Order.id == 900_004).values(currency="USD"))
    rng = random.Random(5)
    credited = {o.id: rng.choice(MODULES) for o in generated.orders if rng.random() < 0.15}
    credited.update({900_003: "banner", 900_004: "reorder"})
    db.session.execute(insert(OrderAttribution.__table__), [
        {"order_id": order_id, "shop_id": shop.id, "module": module, "from_mail": module.startswith("mail_"),
         "clicked_at": NOW} for order_id, module in credited.items()])
    db.session.commit()
    db.session.expire_all()
    shop = db.session.get(Shop, shop.id)
    load_modules(db.session, shop)
    return shop, generated, credited, cohort


@pytest.mark.parametrize("days", [7, 30, 90])
def test_credited_revenue_per_module_and_local_day_equals_pythons(history, days):
    shop, generated, credited, _ = history
    report = earnings_report(db.session, shop, days, NOW)

    start = NOW.astimezone(BERLIN).date() - timedelta(days=days - 1)
    since = datetime.combine(start, datetime.min.time(), tzinfo=BERLIN)
    step = 1 if days <= 30 else 7
    buckets = len(range(0, days, step))
    orders: dict[str, int] = {}
    revenue: dict[str, Decimal] = {}
    series: dict[str, list[float]] = {}
    for order in generated.orders:
        module = credited.get(order.id)
        if module is None or order.placed_at < since or _net(order) <= 0:
            continue
        orders[module] = orders.get(module, 0) + 1
        revenue[module] = revenue.get(module, Decimal(0)) + _net(order)
        day: date = order.placed_at.astimezone(BERLIN).date()
        values = series.setdefault(module, [0.0] * buckets)
        values[min((day - start).days // step, buckets - 1)] += float(_net(order))
    assert report.start == start
    assert {line.module: line.orders for line in report.lines if line.orders} == orders
    assert {line.module: line.revenue for line in report.lines if line.orders} == revenue
    assert report.series.keys() == series.keys()
    for module, values in series.items():
        assert report.series[module] == pytest.approx(values, abs=1e-6)
    assert report.currency == "EUR"  # 1 order of thousands in USD
    if days == 30:  # Monday 26 October 00:20 local is UTC's Sunday: its own local day's bucket
        monday = (date(2026, 10, 26) - start).days
        assert report.series["banner"][monday] >= 77.70
        assert report.buckets[monday] == date(2026, 10, 26)


def test_repeat_revenue_per_cohort_order_equals_pythons(history):
    shop, generated, _, cohort = history
    cohort_to = NOW - REPEAT_WINDOW
    cohort_from = cohort_to - timedelta(days=90)
    expected = {}
    for order in generated.orders:
        if cohort_from <= order.placed_at <= cohort_to:
            expected[order.id] = sum((_net(o) for o in generated.orders if o.customer == order.customer
                                      and order.placed_at < o.placed_at <= order.placed_at + REPEAT_WINDOW),
                                     Decimal(0))
    found = repeat_revenues(db.session, shop.id, cohort_from, cohort_to)
    assert found == expected and len(found) > 1000
    on_edge = sum((_net(o) for o in generated.orders if o.customer == cohort.customer
                   and cohort.placed_at < o.placed_at < cohort.placed_at + REPEAT_WINDOW), Decimal(0))
    assert found[cohort.id] == on_edge + Decimal("41.50")  # the one on the edge in, the one after out
