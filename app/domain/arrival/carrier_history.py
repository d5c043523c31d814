"""A shop's parcels since a day, as rows for app/domain/arrival/carrier_performance.py (two queries),
and the admin's carrier report from them.

The parcels that left (with their order's destination and time), then the events of those
parcels, of which only the carrier's own are kept (app/domain/orders/shipments.py
said_by_carrier). Columns only, no ORM objects: at 10k parcels and 50k events the rows
cost a fraction of what mapped objects would.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.arrival.carrier_performance import (
    LEARNING_DAYS,
    Context,
    PairSummary,
    ParcelRow,
    all_facts,
    learn_ranges,
    learned_accuracy,
    summarise,
    weekly_medians,
)
from app.domain.arrival.edd import DeliveryRule
from app.domain.arrival.learned_transit import carrier_key
from app.domain.followups.mail_kinds import KINDS
from app.domain.orders.placed_times import parcel_orders_since
from app.domain.orders.shipments import UNSHIPPED, said_by_carrier
from app.domain.shop.modules import module_settings
from app.models import Order, Shipment, Shop, TrackingEvent

NOT_LEFT = tuple(status.value for status in UNSHIPPED)


def performance_context(shop: Shop, now: datetime) -> Context:
    delayed = KINDS["delayed"]
    return Context(tz_name=shop.timezone or "Europe/Berlin",
                   rule=DeliveryRule.from_settings(module_settings(shop, "delivery_estimate")),
                   stall_delay=delayed.configured_delay(module_settings(shop, delayed.module)),
                   stall_business_days=delayed.business_days, now=now)


def parcel_rows(session: Session, shop: Shop, since: datetime) -> list[ParcelRow]:
    """Every parcel of the shop that left on or after `since` (of an order placed at most
    PARCEL_ORDER_AGE before), oldest first."""
    shop_parcels = (Order.shop_id == shop.id, parcel_orders_since(since), Shipment.shipped_at >= since,
                    Shipment.status.not_in(NOT_LEFT))
    connection = session.connection()  # Core rows: the ORM's row loading would cost more than the query
    parcels = connection.execute(
        select(Shipment.id, Shipment.carrier, Shipment.tracking_number, Shipment.status, Shipment.shipped_at,
               Shipment.edd_end, Order.shipping_country, Order.placed_at, Order.created_at)
        .join(Order, Order.id == Shipment.order_id).where(*shop_parcels)
        .order_by(Shipment.shipped_at, Shipment.id)).all()
    events: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for shipment_id, status, happened_at, source in connection.execute(
            select(TrackingEvent.shipment_id, TrackingEvent.status, TrackingEvent.happened_at, TrackingEvent.source)
            .join(Shipment, Shipment.id == TrackingEvent.shipment_id).join(Order, Order.id == Shipment.order_id)
            .where(*shop_parcels)):
        if said_by_carrier(source) and happened_at is not None:
            events[shipment_id].append((status, happened_at))
    home = (shop.country or "DE").upper()
    rows = []
    for p in parcels:
        carrier, name = carrier_key(p.carrier, p.tracking_number)
        rows.append(ParcelRow(
            id=p.id, carrier=carrier, carrier_name=name, country=(p.shipping_country or home).upper(),
            status=p.status, tracked=bool(p.tracking_number), placed_at=p.placed_at or p.created_at,
            shipped_at=p.shipped_at, edd_end=p.edd_end,
            events=tuple(sorted(events.get(p.id, ()), key=lambda e: e[1]))))
    return rows


@dataclass(frozen=True)
class CarrierReport:
    days: int
    lines: list[PairSummary]  # the parcels that left in the last `days` days, per carrier × country
    weeks: list[date]  # the trend's Mondays, oldest first
    trend: dict[str, list[float | None]]  # carrier key → median transit per week
    carrier_names: dict[str, str]


def carrier_report(session: Session, shop: Shop, days: int, now: datetime) -> CarrierReport:
    """The figures of the admin's carrier page. The learned ranges and their backtest need the
    LEARNING_DAYS before the period too: one read of `days + LEARNING_DAYS` days of parcels."""
    context = performance_context(shop, now)
    first_day = context.today - timedelta(days=days - 1)  # the period's days end with today
    period_start = datetime.combine(first_day, time(0), tzinfo=context.tz)
    facts = all_facts(parcel_rows(session, shop, period_start - timedelta(days=LEARNING_DAYS)), context,
                      full_since=period_start)
    weeks, trend = weekly_medians(facts, context.today)
    return CarrierReport(
        days=days, lines=summarise((f for f in facts if f.ship_day >= first_day), learn_ranges(facts, context.today),
                                   learned_accuracy(facts, first_day)),
        weeks=weeks, trend=trend, carrier_names={f.row.carrier: f.row.carrier_name for f in facts})
