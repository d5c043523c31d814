"""History in bulk: the template orders' rows, cloned with COPY under new ids and keys and
moved to a random moment of the past year.

Why this is representative: every cloned row (order, lines, customer, parcels, tracking
events, refunds, planned and sent mails, webhook deliveries) is a row the app itself wrote
for a generated lifecycle (bench/scale/templates.py), so statuses, mail kinds and their
sequences, event counts and proportions are the app's own. A clone gets fresh platform ids,
tracking numbers and delivery keys (random, like real ones, so indexes take the same shape),
a new buyer or (a quarter of them) a returning buyer of the same shop, and times shifted by
one offset; mails due before now count as sent. Only the raw bodies of history deliveries
are short stubs: they are read by a replay only, and 8 million real bodies would not fit;
those older than the body retention are gone, as the purge would have left them (else the
first purge runs of the measured day would drop a year's backlog).
"""
from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.domain.arrival.parcel_records import fill_parcel_facts
from app.models import (
    Customer,
    DeliveryState,
    MessageState,
    Order,
    OrderLine,
    Refund,
    ScheduledMessage,
    Shipment,
    TrackingEvent,
    WebhookDelivery,
)
from bench.scale.day import P_RETURNING_BUYER
from bench.scale.shops import ShopProfile, customer_email

TABLES = (Customer, Order, OrderLine, Refund, Shipment, TrackingEvent, ScheduledMessage, WebhookDelivery)
PARCEL_KINDS = frozenset({"shipped", "out_for_delivery", "ready_for_pickup", "delivered", "delayed"})
REFUND_KINDS = frozenset({"return_received", "refund_issued"})
LIVE = frozenset({"planned", "queued", "sending", "sent"})
HISTORY_DAYS = (8, 365)  # clones are placed this many days before now
PROCESSING = timedelta(milliseconds=300)  # a history delivery's time from arrival to processed
BODY_RETENTION = timedelta(days=30)  # WEBHOOK_BODY_RETENTION_DAYS' default
CHUNK = 20_000  # orders per COPY round


class HistorySeeder:
    """Grows the database to a number of orders; keeps the id counters between rounds."""

    def __init__(self, engine, profiles: list[ShopProfile], shop_ids: dict[int, int],
                 template_order_ids: list[int],
                 seed: int, now: datetime):
        self.engine, self.now, self.rng = engine, now, random.Random(f"history:{seed}")
        # The templates were processed after `now`: values from then on are the app's clock.
        self.wall_from = now - timedelta(minutes=5)
        self.profile_by_shop = {shop_ids[p.index]: p for p in profiles}
        self.templates = self._load(template_order_ids)
        by_shop = defaultdict(list)
        for template in self.templates:
            by_shop[template["order"]["shop_id"]].append(template)
        self.template_shops = list(by_shop)
        self.templates_by_shop = by_shop
        self.shop_weights = [self.profile_by_shop[s].weight for s in self.template_shops]
        self.customers: dict[int, list[int]] = defaultdict(list)  # shop id → its history buyers' ids

    def known_buyers(self) -> dict[int, int]:
        """Shop index → how many numbered history buyers it has (customer_email numbers)."""
        return {self.profile_by_shop[shop_id].index: len(ids) for shop_id, ids in self.customers.items()}

    def _load(self, order_ids: list[int]) -> list[dict]:
        with self.engine.connect() as conn:
            def rows(model, column, keys):
                found = defaultdict(list)
                for row in conn.execute(select(model).where(column.in_(keys))).mappings():
                    found[row[column.key]].append(dict(row))
                return found
            orders = {r["id"]: r for r
                      in conn.execute(select(Order).where(Order.id.in_(order_ids))).mappings()}
            customers = {r["id"]: dict(r) for r in conn.execute(select(Customer).where(
                Customer.id.in_([o["customer_id"] for o in orders.values() if o["customer_id"]]))).mappings()}
            lines, refunds = rows(OrderLine, OrderLine.order_id, order_ids), rows(Refund, Refund.order_id,
                                                                                  order_ids)
            shipments = rows(Shipment, Shipment.order_id, order_ids)
            events = rows(TrackingEvent, TrackingEvent.shipment_id,
                          [s["id"] for v in shipments.values() for s in v])
            messages = rows(ScheduledMessage, ScheduledMessage.order_id, order_ids)
            domains = {p.domain: shop_id for shop_id, p in self.profile_by_shop.items()}
            deliveries = defaultdict(list)  # (shop id, platform order id) → its deliveries
            for row in conn.execute(
                select(WebhookDelivery.__table__).where(WebhookDelivery.state == DeliveryState.PROCESSED)
            ).mappings():
                order_id = _order_of(row)
                if order_id is not None:
                    deliveries[(row["shop_id"] or domains.get(row["shop_domain"]),
                                order_id)].append(dict(row))
        return [{
            "order": dict(order), "customer": customers.get(order["customer_id"]), "lines": lines[oid],
            "refunds": refunds[oid], "shipments": shipments[oid],
            "events": {s["id"]: events[s["id"]] for s in shipments[oid]}, "messages": messages[oid],
            "deliveries": deliveries[(order["shop_id"], order["platform_order_id"])],
        } for oid, order in orders.items()]

    def grow(self, orders: int, progress: Callable[[int], None] | None = None) -> int:
        """Clone `orders` more orders into the database; returns how many rows were written.
        `progress(n)` after each round of n orders is in."""
        written = 0
        with self.engine.connect() as conn:
            # Played days take ids from the sequences between rounds: start above them.
            self.next_id = {model.__tablename__: (conn.scalar(text("SELECT max(id) FROM "
                                                                   f"{model.__tablename__}")) or 0) + 1
                            for model in TABLES}
            raw = conn.connection.driver_connection
            with raw.cursor() as cur:
                # consistent by construction: no FK triggers
                cur.execute("SET session_replication_role = replica")
            for start in range(0, orders, CHUNK):
                batch: dict[str, list[tuple]] = defaultdict(list)
                for _ in range(min(CHUNK, orders - start)):
                    self._clone(batch)
                written += _copy(raw, batch)
                raw.commit()
                if progress:
                    progress(min(CHUNK, orders - start))
            with raw.cursor() as cur:
                cur.execute("SET session_replication_role = origin")
                for model in TABLES:
                    name = model.__tablename__
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                f"{self.next_id[name] - 1})")
            raw.commit()
        return written

    def _new_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def _clone(self, batch: dict[str, list[tuple]]) -> None:
        """One more order: a random template of a shop (by the shops' weights), placed anew."""
        shop_id = self.rng.choices(self.template_shops, weights=self.shop_weights)[0]
        template = self.rng.choice(self.templates_by_shop[shop_id])
        story = _Story(template["order"], self.now - timedelta(days=self.rng.uniform(*HISTORY_DAYS)),
                       self.wall_from)
        customer_id = self._buyer(batch, shop_id, template["customer"], story)
        order_id = self._order(batch, shop_id, customer_id, template["order"], story)
        line_ids, platform_lines = {}, {}  # template's → the clone's
        for line in template["lines"]:
            line_ids[line["id"]] = new = self._new_id("order_lines")
            platform_lines[line["platform_line_id"]] = str(7_000_000_000_000 + new)
            batch["order_lines"].append((new, order_id, platform_lines[line["platform_line_id"]],
                                         line["product_id"],
                                         line["variant_id"], line["sku"], line["title"], line["quantity"],
                                         line["price"]))
        refunds = {}
        for refund in template["refunds"]:
            refunds[refund["id"]] = new = self._new_id("refunds")
            batch["refunds"].append((new, order_id, str(8_000_000_000_000 + new),
                                     story.shift(refund["created_at"]),
                                     refund["returned"], refund["amount"]))
        parcels = self._parcels(batch, order_id, template, platform_lines, story)
        # A mail's sequence is the id of the parcel, refund or line it is about.
        sequences = {**dict.fromkeys(PARCEL_KINDS, parcels), **dict.fromkeys(REFUND_KINDS, refunds),
                     "replenishment": line_ids}
        for message in template["messages"]:
            ids = sequences.get(message["kind"])
            sequence = ids[message["sequence"]] if ids is not None else message["sequence"]
            self._message(batch, shop_id, order_id, customer_id, message, sequence, story)
        for delivery in template["deliveries"]:
            self._delivery(batch, order_id, delivery, story)

    def _buyer(self, batch, shop_id: int, customer: dict | None, story: _Story) -> int | None:
        """A returning buyer of the shop (a quarter of the time), else a new one like the template's."""
        if customer is None:
            return None
        known = self.customers[shop_id]
        if known and self.rng.random() < P_RETURNING_BUYER:
            return self.rng.choice(known)
        customer_id = self._new_id("customers")
        batch["customers"].append(
            (
                customer_id,
                shop_id,
                str(9_000_000_000 + customer_id),
                customer_email(self.profile_by_shop[shop_id], len(known)),
                customer["locale"],
                customer["marketing_consent"],
                customer["consent_source"],
                story.shift(customer["consent_at"], story.placed),
                None,
                None,
            )
        )
        known.append(customer_id)
        return customer_id

    def _order(self, batch, shop_id: int, customer_id: int | None, order: dict, story: _Story) -> int:
        order_id = self._new_id("orders")
        woo = self.profile_by_shop[shop_id].platform == "woocommerce"
        batch["orders"].append((
            order_id, shop_id, customer_id, str(6_000_000_000_000 + order_id),
            f"wc_order_{_digest(order_id)[:13]}" if woo else None, f"#H{order_id}", order["currency"],
            order["total_price"], order["financial_status"], order["fulfillment_status"], order["status"],
            order["locale"], order["shipping_country"], story.placed, story.shift(order["cancelled_at"]),
            story.shift(order["refunded_at"]), story.shift(order["platform_updated_at"]), story.placed,
            story.settled))
        return order_id

    def _parcels(self, batch, order_id: int, template: dict, platform_lines: dict,
                 story: _Story) -> dict[int, int]:
        """The parcels with new numbers and their tracking events; template id → new id."""
        parcels = {}
        for s in template["shipments"]:
            parcels[s["id"]] = new = self._new_id("shipments")
            number = s["tracking_number"]
            batch["shipments"].append((
                new, order_id, str(9_000_000_000_000 + new), s["parcel_index"], s["carrier"],
                _digest(new)[: len(number)] if number else None, s["tracking_url"], s["status"],
                s["sub_status"],
                story.shift(s["shipped_at"]), story.shift(s["delivered_at"]), story.shift(s["edd_start"]),
                story.shift(s["edd_end"]), s["edd_source"],
                json.dumps([[platform_lines.get(line, line), quantity] for line, quantity in s["line_items"]
                            or ()]),
                story.shift(s["platform_updated_at"])))
            for e in template["events"][s["id"]]:
                batch["tracking_events"].append((self._new_id("tracking_events"), new, e["status"],
                                                 e["sub_status"],
                                                 story.shift(e["happened_at"]), e["location"], e["message"],
                                                 e["source"]))
        return parcels

    def _message(self, batch, shop_id: int, order_id: int, customer_id: int | None, m: dict, sequence: int,
                 story: _Story) -> None:
        """A mail of the template; due before now means it went out, later means still planned."""
        send_at = story.shift(m["send_at"])
        state, sent_at = m["state"], story.shift(m["sent_at"])
        if state in LIVE:
            sent = send_at <= self.now
            state, sent_at = (MessageState.SENT, send_at) if sent else (MessageState.PLANNED, None)
        message_id = self._new_id("scheduled_messages")
        created = min(send_at, story.settled)
        batch["scheduled_messages"].append((
            message_id, shop_id, order_id, customer_id, m["kind"], sequence, m["stream"], send_at,
            m["stale_after_seconds"], state, m["reason"],
            f"<h{message_id}@scale.example.test>" if sent_at else None,
            m["attempts"] or (1 if sent_at else 0), None, sent_at, sent_at, None, created,
            sent_at or created))

    def _delivery(self, batch, order_id: int, d: dict, story: _Story) -> None:
        delivery_id = self._new_id("webhook_deliveries")
        received = story.shift(d["triggered_at"]) or story.settled
        key = _digest(delivery_id)
        # Older than the retention, the purge (app/jobs/purge.py) would have dropped the body.
        kept = received > self.now - BODY_RETENTION
        batch["webhook_deliveries"].append((
            delivery_id, d["platform"], f"{key[:8]}-{key[8:12]}-{key[12:16]}-{key[16:20]}-{key[20:32]}",
            d["shop_id"], d["shop_domain"], d["topic"],
            b'{"id":%d,"history":true}' % order_id if kept else None,
            story.shift(d["triggered_at"]), received, received + PROCESSING, d["state"], d["attempts"],
            d["error"]))


def fill_facts(engine, now) -> int:
    """The copied parcels' stored figures (parcel_facts), by the app's own backfill: COPY passes
    no flush hook, and without them the day's look-ups of that table would be planned over a
    table that holds only the templates' and the played days' rows (a Seq Scan the real size
    would not get). Serves this seeder (bench/scale/run.py seed_to) and the analytics history
    (bench/scale/analytics_history.py). The number of rows written."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))  # the backfill's reads are planned on the copied rows' statistics
    with Session(engine) as session:
        written = fill_parcel_facts(session, now=now)
        session.commit()
    return written


class _Story:
    """A template order's times moved to the clone's placement."""

    def __init__(self, order: dict, placed: datetime, wall_from: datetime):
        self.placed, self.wall_from = placed, wall_from
        self.delta = placed - order["placed_at"]
        last = order["platform_updated_at"]
        # When the order's last event happened: where the app's own clock times of it belong.
        self.settled = last + self.delta if last is not None and last < wall_from else placed

    def shift(self, value: datetime | None, fallback: datetime | None = None) -> datetime | None:
        """A payload time moves with the order; a time the app took from its clock when it
        processed a template delivery becomes the matching moment of the clone's story."""
        if value is None:
            return None
        if value >= self.wall_from:
            return fallback or self.settled
        return value + self.delta


COLUMNS = {
    "customers": "id, shop_id, platform_customer_id, email, locale, marketing_consent, consent_source, "
                 "consent_at, "
                 "suppressed_reason, suppressed_at",
    "orders": "id, shop_id, customer_id, platform_order_id, platform_order_key, name, currency, total_price, "
              "financial_status, fulfillment_status, status, locale, shipping_country, placed_at, "
              "cancelled_at, "
              "refunded_at, platform_updated_at, created_at, updated_at",
    "order_lines": "id, order_id, platform_line_id, product_id, variant_id, sku, title, quantity, price",
    "refunds": "id, order_id, platform_refund_id, created_at, returned, amount",
    "shipments": "id, order_id, platform_fulfillment_id, parcel_index, carrier, tracking_number, "
                 "tracking_url, status, "
                 "sub_status, shipped_at, delivered_at, edd_start, edd_end, edd_source, line_items, "
                 "platform_updated_at",
    "tracking_events": "id, shipment_id, status, sub_status, happened_at, location, message, source",
    "scheduled_messages": "id, shop_id, order_id, customer_id, kind, sequence, stream, send_at, "
                          "stale_after_seconds, "
                          "state, reason, message_id, attempts, last_error, queued_at, sent_at, clicked_at, "
                          "created_at, updated_at",
    "webhook_deliveries": "id, platform, delivery_key, shop_id, shop_domain, topic, body, triggered_at, "
                          "received_at, "
                          "processed_at, state, attempts, error",
}


def _copy(raw, batch: dict[str, list[tuple]]) -> int:
    """COPY each table's rows (naive UTC timestamps, as the app stores them)."""
    written = 0
    with raw.cursor() as cur:
        for table, columns in COLUMNS.items():
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in batch.get(table, ()):
                    copy.write_row(tuple(v.replace(tzinfo=None) if isinstance(v, datetime) else v for v
                                         in row))
            written += len(batch.get(table, ()))
    return written


def _digest(value: int) -> str:
    return hashlib.md5(str(value).encode()).hexdigest()


def _order_of(delivery) -> str | None:
    """The platform order id a template delivery was about, from its body."""
    try:
        payload = json.loads(delivery["body"])
    except ValueError:
        return None
    value = payload.get("order_id") or payload.get("id")
    return None if value is None else str(value)
