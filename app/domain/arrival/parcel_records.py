"""Each parcel's figures (app/models/parcel_fact.py), written when they become known.

Every path that changes a parcel goes through a flush of the session: a platform's
fulfillment event or relayed scan (app/domain/orders/shipments.py, via events.apply_events),
a tracking provider's poll or the 17TRACK push (app/domain/arrival/carrier_tracks.py apply_track),
an order whose destination changed. `record_on_flush` (registered in app/__init__.py) rewrites
the row of every parcel such a flush touches, with app/domain/arrival/carrier_performance.py's
definitions and the shop's settings of that moment (zone, delivery rule, the "delayed" mail's
delay). Rows written by Core statements (a bulk seed) are filled by `fill_parcel_facts`,
which migration 0026 runs once for the parcels that existed then.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import cast

from sqlalchemy import Table, delete, event, insert, inspect, select
from sqlalchemy.orm import Session

from app.domain.arrival.carrier_performance import (
    Context,
    ParcelRow,
    parcel_facts,
    silence_stalls_at,
    stall_gap,
    week_start,
)
from app.domain.arrival.edd import DeliveryRule
from app.domain.arrival.learned_transit import carrier_key
from app.domain.followups.mail_kinds import KINDS
from app.domain.orders.shipments import UNSHIPPED, said_by_carrier
from app.domain.shop.modules import module_settings
from app.models import Order, ParcelFact, Shipment, Shop, TrackingEvent

NOT_LEFT = tuple(status.value for status in UNSHIPPED)
# The shipment's attributes its figures depend on; a poll's bookkeeping (next_poll_at) is not one.
FACT_ATTRIBUTES = ("status", "carrier", "tracking_number", "shipped_at", "delivered_at", "edd_end", "events")
FILL_CHUNK = 5000


def performance_context(shop: Shop, now: datetime) -> Context:
    """The definitions' settings of the shop at `now`: its zone, delivery rule and the
    "delayed" mail's delay (what counts as a stall)."""
    delayed = KINDS["delayed"]
    return Context(tz_name=shop.timezone or "Europe/Berlin",
                   rule=DeliveryRule.from_settings(module_settings(shop, "delivery_estimate")),
                   stall_delay=delayed.configured_delay(module_settings(shop, delayed.module)),
                   stall_business_days=delayed.business_days, now=now)


def parcel_values(ctx: Context, home: str, shipment_id: int, carrier: str | None, number: str | None,
                  status: str, shipped_at: datetime | None, delivered_at: datetime | None,
                  edd_end: datetime | None, country: str | None, placed_at: datetime | None,
                  events: Iterable[tuple[str, datetime | None, str | None]]) -> dict:
    """The columns of a parcel's row (without its ids) from its stored fields and its events'
    (status, happened_at, source), for the flush hook and the backfill alike. A parcel has a
    row once it left or arrived (shipped_at or delivered_at known); not shipped (only
    delivered_at known, which is then the row's shipped_at): no figures but WISMO's moment."""
    key, name = carrier_key(carrier, number)
    own = sorted(((s, at) for s, at, source in events if said_by_carrier(source) and at is not None),
                 key=lambda e: e[1])
    row = ParcelRow(id=shipment_id, carrier=key, carrier_name=name, country=(country or home).upper(),
                    status=status, tracked=bool(number), placed_at=placed_at,
                    shipped_at=shipped_at or cast(datetime, delivered_at), edd_end=edd_end, events=tuple(own))
    values: dict = {"departed": shipped_at is not None and status not in NOT_LEFT,
                    "carrier": row.carrier[:90], "carrier_name": row.carrier_name[:120],
                    "country": row.country[:8], "delivered_at": delivered_at, "ship_day": None,
                    "reported": False, "delivered_day": None, "delivered_week": None, "transit": None,
                    "no_carrier_data": False, "on_time": None, "inside_rule": None, "exception": False,
                    "attempt_failed": False, "stalled": False, "stall_due_at": None}
    if shipped_at is None:
        return values
    facts = parcel_facts(row, ctx, full=False)
    full = parcel_facts(row, ctx) if facts.delivered_day is not None else facts
    values.update(
        ship_day=facts.ship_day, reported=facts.reported, delivered_day=facts.delivered_day,
        delivered_week=week_start(facts.delivered_day) if facts.delivered_day else None,
        transit=facts.transit,
        no_carrier_data=facts.no_carrier_data, on_time=full.on_time, inside_rule=full.inside_rule,
        exception=facts.exception, attempt_failed=facts.attempt_failed, stalled=stall_gap(row, ctx),
        stall_due_at=silence_stalls_at(row, ctx))
    return values


def _home(shop: Shop) -> str:
    return (shop.country or "DE").upper()


def record_parcels(session: Session, shipments: Iterable[Shipment], now: datetime | None = None) -> None:
    """Write (or drop) the rows of these ORM parcels; works inside a flush."""
    now = now or datetime.now(timezone.utc)
    parcels = [s for s in shipments if s.order is not None]
    ids = [s.id for s in parcels if s.id is not None]
    existing = {f.shipment_id: f for f in session.scalars(select(ParcelFact).where(
        ParcelFact.shipment_id.in_(ids)))} if ids else {}
    contexts: dict[int, Context] = {}
    for shipment in parcels:
        order, fact = shipment.order, existing.get(shipment.id)
        if shipment.shipped_at is None and shipment.delivered_at is None:  # no row (yet, or any more)
            if fact is not None:
                session.delete(fact)
            continue
        shop = order.shop
        if shop.id not in contexts:
            contexts[shop.id] = performance_context(shop, now)
        values = parcel_values(contexts[shop.id], _home(shop), shipment.id or 0, shipment.carrier,
                               shipment.tracking_number, shipment.status, shipment.shipped_at,
                               shipment.delivered_at, shipment.edd_end, order.shipping_country,
                               order.placed_at or order.created_at,
                               ((e.status, e.happened_at, e.source) for e in shipment.events))
        if fact is None:
            fact = ParcelFact(shipment=shipment, order=order, shop_id=shop.id)
            session.add(fact)
        for name, value in values.items():
            setattr(fact, name, value)


def _changed(obj, names: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def touched_parcels(session: Session) -> list[Shipment]:
    """The parcels this flush changes in a way their figures depend on."""
    found: dict[int, Shipment] = {}
    for obj in list(session.new) + list(session.dirty):
        parcels: list[Shipment] = []
        if isinstance(obj, Shipment) and (obj in session.new or _changed(obj, FACT_ATTRIBUTES)):
            parcels = [obj]
        elif isinstance(obj, TrackingEvent):
            shipment = obj.shipment or (session.get(Shipment, obj.shipment_id) if obj.shipment_id else None)
            parcels = [shipment] if shipment is not None else []
        elif isinstance(obj, Order) and obj not in session.new and _changed(obj, ("shipping_country",)):
            parcels = list(obj.shipments)
        for parcel in parcels:
            if parcel not in session.deleted:
                found[id(parcel)] = parcel
    return list(found.values())


def _record(session: Session, _flush_context, _instances) -> None:
    parcels = touched_parcels(session)
    if parcels:
        record_parcels(session, parcels)


def record_on_flush(session_factory) -> None:
    if not event.contains(session_factory, "before_flush", _record):
        event.listen(session_factory, "before_flush", _record)


def fill_parcel_facts(session: Session, shop_ids: Iterable[int] | None = None,
                      now: datetime | None = None) -> int:
    """Rewrite the rows of every parcel of these shops (default: all) from the stored
    parcels and events, the parcels of FILL_CHUNK orders at a time; the number written. The
    caller commits."""
    now = now or datetime.now(timezone.utc)
    query = select(Shop).order_by(Shop.id)
    if shop_ids is not None:
        query = query.where(Shop.id.in_(list(shop_ids)))
    written = 0
    for shop in session.scalars(query).all():
        session.execute(delete(ParcelFact).where(ParcelFact.shop_id == shop.id))
        ctx, home, after_id = performance_context(shop, now), _home(shop), 0
        while True:  # by the shop's orders (its index), then their parcels (shipments' order_id index)
            order_ids = session.scalars(select(Order.id).where(Order.shop_id == shop.id, Order.id > after_id)
                                        .order_by(Order.id).limit(FILL_CHUNK)).all()
            if not order_ids:
                break
            after_id = order_ids[-1]
            parcels = session.execute(
                select(Shipment.id, Shipment.order_id, Shipment.carrier, Shipment.tracking_number,
                       Shipment.status, Shipment.shipped_at, Shipment.delivered_at, Shipment.edd_end,
                       Order.shipping_country, Order.placed_at, Order.created_at)
                .join(Order, Order.id == Shipment.order_id)
                .where(Shipment.order_id.in_(order_ids),
                       (Shipment.shipped_at.is_not(None)) | (Shipment.delivered_at.is_not(None)))).all()
            if not parcels:
                continue
            events: dict[int, list] = defaultdict(list)
            for shipment_id, status, at, source in session.execute(
                    select(TrackingEvent.shipment_id, TrackingEvent.status, TrackingEvent.happened_at,
                           TrackingEvent.source)
                    .where(TrackingEvent.shipment_id.in_([p.id for p in parcels]))):
                events[shipment_id].append((status, at, source))
            rows = [{"shipment_id": p.id, "order_id": p.order_id, "shop_id": shop.id,
                     **parcel_values(ctx, home, p.id, p.carrier, p.tracking_number, p.status, p.shipped_at,
                                     p.delivered_at, p.edd_end, p.shipping_country,
                                     p.placed_at or p.created_at, events.get(p.id, ()))}
                    for p in parcels]
            session.execute(insert(cast(Table, ParcelFact.__table__)), rows)
            written += len(rows)
    return written


