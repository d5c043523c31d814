"""A seeded synthetic shop history: a few thousand orders, one parcel each, over several
carriers and destination countries whose transit in business days follows KNOWN
distributions, with the carrier's scans as a tracking provider reports them.

Every parcel leaves on a German business day between 09:00 and 12:00 Berlin time (before the
rule's 14:00 cut-off, so the merchant's window starts on the shipping day), is scanned
`info_received` then, `in_transit` early on each business day of the destination on its way,
and `delivered` on the `transit`-th business day after leaving (destination holidays off), as
far as that has happened by `now`. Some parcels have a problem scan (`exception` on the first
day, `attempt_failed` the day before delivery: neither moves the delivery day), some go
quiet (no scans between leaving and a delivery four or more business days later: a stall),
some have a carrier estimate (`edd_end`), some are only ever spoken of by the shop
(tracked, never scanned: "no carrier data"; or marked delivered by the shop alone).

The records keep what was drawn (`transit`, the flags), so a test works out what the app
should report without the app's code.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from app.domain.arrival.edd import add_business_days, is_business_day
from app.domain.arrival.parcel_records import fill_parcel_facts
from app.extensions import db
from app.models import Order, Shipment, TrackingEvent

BERLIN = ZoneInfo("Europe/Berlin")
HISTORY_DAYS = 200
# (platform's carrier name, destination) → (share of orders in %, {business days: weight in %}).
PAIRS: dict[tuple[str, str], tuple[float, dict[int, int]]] = {
    ("DHL", "DE"): (34, {1: 15, 2: 50, 3: 30, 4: 5}),
    ("DHL", "AT"): (14, {2: 5, 3: 20, 4: 40, 5: 29, 6: 6}),
    ("DPD", "DE"): (20, {1: 60, 2: 25, 3: 15}),
    ("DPD", "FR"): (13, {3: 6, 4: 10, 5: 16, 6: 26, 7: 12, 8: 26, 9: 4}),
    ("GLS", "NL"): (11, {2: 30, 3: 38, 4: 27, 5: 5}),
    ("UPS", "US"): (7.8, {4: 8, 5: 12, 6: 40, 7: 10, 8: 24, 9: 6}),
    ("Hermes", "CH"): (0.2, {3: 50, 4: 50}),  # a handful: never enough deliveries to learn from
}
SOURCES = {"DHL": "provider:dhl"}  # the others come through 17TRACK
NO_CARRIER_SHARE, SHOP_DELIVERED_SHARE = 0.04, 0.02
EXCEPTION_SHARE, FAILED_SHARE, STALL_SHARE, ESTIMATE_SHARE = 0.03, 0.04, 0.06, 0.25
ESTIMATE_DAYS = 2  # a carrier estimate says: this many business days after leaving


@dataclass
class SyntheticParcel:
    number: int
    carrier: str
    country: str
    shipped_at: datetime
    transit: int  # drawn, in business days
    kind: str  # "carrier" | "no_carrier" | "shop_delivered"
    delivered_at: datetime | None = None  # the carrier's delivered scan, when it happened by now
    status: str = "in_transit"
    edd_end: datetime | None = None
    exception: bool = False
    attempt_failed: bool = False
    stalled: bool = False
    events: list[tuple[str, datetime, str]] = field(default_factory=list)  # (status, at, source)

    @property
    def ship_day(self) -> date:
        return self.shipped_at.astimezone(BERLIN).date()

    @property
    def delivered_day(self) -> date | None:
        return self.delivered_at.astimezone(BERLIN).date() if self.delivered_at else None


def _at(day: date, hour: int, minutes: int) -> datetime:
    """`minutes` after the hour on the day, Berlin time, as UTC."""
    local = datetime.combine(day, time(hour), tzinfo=BERLIN) + timedelta(minutes=minutes)
    return local.astimezone(timezone.utc)


def _draw(rng: random.Random, weights: dict[int, int]) -> int:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def generate(now: datetime, orders: int = 3000, seed: int = 20) -> list[SyntheticParcel]:
    rng = random.Random(seed)
    today = now.astimezone(BERLIN).date()
    ship_days = [d for d in (today - timedelta(days=n) for n in range(HISTORY_DAYS, -1, -1))
                 if is_business_day(d, "DE")]
    pairs = list(PAIRS)
    parcels = []
    for number in range(orders):
        carrier, country = rng.choices(pairs, weights=[PAIRS[p][0] for p in pairs])[0]
        ship_day = rng.choice(ship_days)
        shipped_at = _at(ship_day, 9, rng.randrange(180))
        if shipped_at > now:
            shipped_at = now - timedelta(minutes=1)
        transit = _draw(rng, PAIRS[(carrier, country)][1])
        roll = rng.random()
        kind = ("no_carrier" if roll < NO_CARRIER_SHARE else
                "shop_delivered" if roll < NO_CARRIER_SHARE + SHOP_DELIVERED_SHARE else "carrier")
        parcel = SyntheticParcel(number, carrier, country, shipped_at, transit, kind)
        delivered_day = add_business_days(ship_day, transit, country)
        delivered_at = _at(delivered_day, 10 + rng.randrange(8), rng.randrange(60))
        if kind == "no_carrier":
            parcel.events = [("in_transit", shipped_at, "woocommerce")]
        elif kind == "shop_delivered":  # the shop marks it delivered when it would have arrived
            parcel.events = [("in_transit", shipped_at, "woocommerce")]
            if delivered_at <= now:
                parcel.status = "delivered"
                parcel.events.append(("delivered", delivered_at, "woocommerce"))
        else:
            _carrier_scans(parcel, rng, ship_day, delivered_at, now)
        if kind == "carrier" and rng.random() < ESTIMATE_SHARE:
            parcel.edd_end = _at(add_business_days(ship_day, ESTIMATE_DAYS, country), 18, 0)
        parcels.append(parcel)
    return parcels


def _carrier_scans(parcel: SyntheticParcel, rng: random.Random, ship_day: date, delivered_at: datetime,
                   now: datetime) -> None:
    source = SOURCES.get(parcel.carrier, "provider:17track")
    delivered = delivered_at <= now
    # Only a parcel that arrived goes quiet here: the silence then ends with its delivery.
    parcel.stalled = delivered and parcel.transit >= 4 and rng.random() < STALL_SHARE
    parcel.exception = parcel.transit >= 2 and rng.random() < EXCEPTION_SHARE
    parcel.attempt_failed = parcel.transit >= 2 and rng.random() < FAILED_SHARE
    scans = [("info_received", parcel.shipped_at)]
    if not parcel.stalled:
        for step in range(1, parcel.transit):
            status = ("exception" if step == 1 and parcel.exception else
                      "attempt_failed" if step == parcel.transit - 1 and parcel.attempt_failed
                      else "in_transit")
            scans.append((status,
                          _at(add_business_days(ship_day, step, parcel.country), 7, rng.randrange(50))))
    elif parcel.exception or parcel.attempt_failed:  # no scans at all while quiet
        parcel.exception = parcel.attempt_failed = False
    if delivered:
        scans.append(("delivered", delivered_at))
        parcel.delivered_at = delivered_at
    parcel.events = [(status, at, source) for status, at in scans if at <= now]
    parcel.status = parcel.events[-1][0]
    happened = {status for status, _, _ in parcel.events}  # a problem scan still to come has not happened
    parcel.exception, parcel.attempt_failed = "exception" in happened, "attempt_failed" in happened


def seed_history(shop, parcels: list[SyntheticParcel], first_id: int = 100_000) -> None:
    """Insert the orders, parcels and events (Core statements: thousands in a second), and
    their stored figures as migration 0026's backfill writes them."""
    orders, shipments, events = [], [], []
    for parcel in parcels:
        ident = first_id + parcel.number
        orders.append({"id": ident, "shop_id": shop.id, "platform_order_id": str(ident), "name": f"#{ident}",
                       "currency": "EUR", "financial_status": "paid", "fulfillment_status": "fulfilled",
                       "status": "delivered" if parcel.status == "delivered" else "shipped",
                       "shipping_country": parcel.country,
                       "placed_at": parcel.shipped_at - timedelta(days=1)})
        shipments.append({"id": ident, "order_id": ident, "platform_fulfillment_id": f"f{ident}",
                          "parcel_index": 0,
                          "carrier": parcel.carrier, "tracking_number": f"T{ident:010d}",
                          "status": parcel.status,
                          "shipped_at": parcel.shipped_at, "line_items": [],
                          "delivered_at": parcel.delivered_at
                          or (parcel.events[-1][1] if parcel.status == "delivered"
                                                                  else None),
                          "edd_start": parcel.edd_end, "edd_end": parcel.edd_end,
                          "edd_source": "carrier" if parcel.edd_end else None})
        events += [{"shipment_id": ident, "status": status, "happened_at": at, "source": source}
                   for status, at, source in parcel.events]
    db.session.execute(insert(Order.__table__), orders)
    db.session.execute(insert(Shipment.__table__), shipments)
    db.session.execute(insert(TrackingEvent.__table__), events)
    fill_parcel_facts(db.session(), [shop.id])  # Core rows pass no flush hook: the backfill's job
    db.session.commit()


def true_quantile(weights: dict[int, int], share: float) -> int:
    """The distribution's own nearest-rank quantile: the least day whose cumulative weight reaches `share`."""
    total, running = sum(weights.values()), 0
    for days in sorted(weights):
        running += weights[days]
        if running >= share * total - 1e-9:
            return days
    raise ValueError(share)
