"""A seeded shop history in bulk for the analytics stage (bench/scale/analytics.py): `size`
orders over SHOPS shops and the past HISTORY_DAYS days, written with COPY.

Per order: a customer (a third of them returning), the order (2 % cancelled, 5 % refunded in
part), one parcel with two carrier scans (in transit, delivered after 1–6 days), two mails
(shipped sent or skipped, delivered sent, now and then bounced), a status view count for a
third, a credited module for 8 %; per shop and day the engagement counts of a few modules and
its lookups; then each parcel's stored facts, filled by the backfill migration 0026 runs
(app/domain/arrival/parcel_records.py fill_parcel_facts: COPY passes no flush hook). Two shops
are measured: STEADY holds STEADY_ORDERS whatever the size (its pages must cost the same in a
database ten times larger: the flatness check), BIG holds BIG_SHARE of all orders (its period
grows with the size). The rest is spread over the other shops.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

SHOPS = 20
STEADY_ORDERS = 3000
BIG_SHARE = 0.2
HISTORY_DAYS = 365
CARRIERS = (("DHL", "DE"), ("DHL", "AT"), ("DPD", "DE"), ("GLS", "NL"), ("UPS", "US"))
MODULES = ("reorder", "recommendations", "banner", "mail_thank_you")
SKIPS = ("no marketing consent", "stale: too late", "suppressed: bounced")


@dataclass(frozen=True)
class Seeded:
    steady_shop: int
    big_shop: int
    orders: dict[int, int]  # shop id → orders
    rows: int
    seconds: float
    facts_seconds: float = 0.0  # of `seconds`: the parcel facts' backfill (migration 0026's code)


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def _copy(raw: Any, table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> int:
    count = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _orders_per_shop(size: int, shop_ids: list[int]) -> dict[int, int]:
    steady, big, others = shop_ids[0], shop_ids[1], shop_ids[2:]
    per = {steady: min(STEADY_ORDERS, size), big: int(size * BIG_SHARE)}
    rest = max(0, size - sum(per.values()))
    for n, shop_id in enumerate(others):
        per[shop_id] = rest // len(others) + (1 if n < rest % len(others) else 0)
    return per


def seed(engine: Engine, size: int, seed: int, now: datetime) -> Seeded:
    """Create SHOPS shops and their history; the ids of the two measured shops."""
    began = datetime.now()
    rng = random.Random(f"analytics:{seed}")
    with engine.begin() as conn:
        shop_ids = [conn.scalar(text(
            "INSERT INTO shops (platform, domain, shop_key, name, locale, timezone, country, branding, "
            "installed_at, "
            "existing_customer_exemption, facts_version, holdout_salt) VALUES ('shopify', :domain, :key, "
            ":name, 'de', "
            "'Europe/Berlin', 'DE', '{}', :installed, false, 1, :salt) RETURNING id"),
            {"domain": f"analytics-{n}.myshopify.com", "key": f"analytics-key-{n}", "name": f"Shop {n}",
             "installed": _naive(now - timedelta(days=HISTORY_DAYS + 30)), "salt": f"salt-{n}"})
            for n in range(SHOPS)]
    per_shop = _orders_per_shop(size, shop_ids)
    orders, customers, refunds, shipments, events, mails, views, credits = ([] for _ in range(8))
    order_id = customer_id = 0
    start = now - timedelta(days=HISTORY_DAYS)
    for shop_id, count in per_shop.items():
        shop_customers: list[int] = []
        for _ in range(count):
            order_id += 1
            if shop_customers and rng.random() < 1 / 3:
                buyer = rng.choice(shop_customers)
            else:
                customer_id += 1
                buyer = customer_id
                shop_customers.append(buyer)
                customers.append((buyer, shop_id, f"c{buyer}", f"buyer{buyer}@example.test", "unknown"))
            placed = start + timedelta(seconds=rng.randrange(HISTORY_DAYS * 86400))
            carrier, country = rng.choice(CARRIERS)
            cancelled = _naive(placed + timedelta(hours=2)) if rng.random() < 0.02 else None
            total = round(rng.uniform(15, 180), 2)
            orders.append((order_id, shop_id, buyer, f"o{order_id}", f"#{order_id}", "EUR", total,
                           "paid", "delivered", country, _naive(placed), cancelled, _naive(placed),
                           _naive(placed)))
            if rng.random() < 0.05:
                refunds.append((order_id, order_id, f"r{order_id}", _naive(placed + timedelta(days=9)), False,
                                round(total * rng.uniform(0.2, 1), 2)))
            shipped = placed + timedelta(hours=rng.randrange(4, 48))
            delivered = shipped + timedelta(days=rng.randrange(1, 7), hours=rng.randrange(0, 8))
            done = delivered <= now
            shipments.append((order_id, order_id, f"f{order_id}", 0, f"00340{order_id:012d}", carrier,
                              "delivered" if done else "in_transit", _naive(shipped),
                              _naive(delivered) if done else None, "[]", 0))
            events.append((order_id, "in_transit", _naive(shipped + timedelta(hours=6)), "provider:dhl"))
            if done:
                events.append((order_id, "delivered", _naive(delivered), "provider:dhl"))
            skipped = rng.random() < 0.1
            mails.append((shop_id, order_id, buyer, "shipped", 0, "transactional", _naive(shipped),
                          "skipped" if skipped else "sent", rng.choice(SKIPS) if skipped else None, 1,
                          None if skipped else _naive(shipped), _naive(placed), _naive(shipped)))
            if done:
                state = "bounced" if rng.random() < 0.02 else "sent"
                mails.append((shop_id, order_id, buyer, "delivered", 0, "transactional", _naive(delivered),
                              state,
                              "hard bounce" if state == "bounced" else None, 1, _naive(delivered),
                              _naive(placed),
                              _naive(delivered)))
            if rng.random() < 1 / 3:
                views.append((order_id, shop_id, rng.randrange(1, 6)))
            if rng.random() < 0.08:
                credits.append((order_id, shop_id, rng.choice(MODULES), rng.random() < 0.3, _naive(placed)))
    counts = []
    for shop_id, count in per_shop.items():
        per_day = max(1, count // HISTORY_DAYS)
        for day in range(HISTORY_DAYS + 1):
            local = (start + timedelta(days=day)).date()
            counts.append((shop_id, local, "lookup", "page", rng.randrange(0, per_day // 10 + 2), 0))
            counts.append((shop_id, local, "block", "page", per_day * 3, 0))
            for module in MODULES:
                counts.append((shop_id, local, "block", module, per_day * 2,
                               rng.randrange(0, per_day // 5 + 2)))
    written = 0
    raw = engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        written += _copy(driver, "customers",
                         ("id", "shop_id", "platform_customer_id", "email", "marketing_consent"),
                         iter(customers))
        written += _copy(driver, "orders",
                         ("id", "shop_id", "customer_id", "platform_order_id", "name", "currency",
                                            "total_price", "financial_status", "status", "shipping_country",
                                            "placed_at", "cancelled_at", "created_at", "updated_at"),
                                            iter(orders))
        written += _copy(driver, "refunds",
                         ("id", "order_id", "platform_refund_id", "created_at", "returned", "amount"),
                         iter(refunds))
        written += _copy(driver, "shipments", ("id", "order_id", "platform_fulfillment_id", "parcel_index",
                                               "tracking_number", "carrier", "status", "shipped_at",
                                               "delivered_at",
                                               "line_items", "poll_count"), iter(shipments))
        written += _copy(driver, "tracking_events", ("shipment_id", "status", "happened_at", "source"),
                         iter(events))
        written += _copy(driver, "scheduled_messages",
                         ("shop_id", "order_id", "customer_id", "kind", "sequence",
                                                        "stream", "send_at", "state", "reason", "attempts",
                                                        "sent_at",
                                                        "created_at", "updated_at"), iter(mails))
        written += _copy(driver, "order_status_views", ("order_id", "shop_id", "views"), iter(views))
        written += _copy(driver, "order_attributions",
                         ("order_id", "shop_id", "module", "from_mail", "clicked_at"),
                         iter(credits))
        written += _copy(driver, "engagement_counts",
                         ("shop_id", "day", "surface", "module", "views", "clicks"),
                         iter(counts))
        driver.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        for table in ("customers", "orders", "refunds", "shipments"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    from bench.scale.history import fill_facts

    filling = datetime.now()
    written += fill_facts(engine, now)
    return Seeded(shop_ids[0], shop_ids[1], per_shop, written, (datetime.now() - began).total_seconds(),
                  (datetime.now() - filling).total_seconds())
