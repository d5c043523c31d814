"""What carrier tracking costs: parcels played through a simulated 30-day life, the figure
`make scale` reports as provider calls per parcel (issue #18's goal: ≤ 8 on average), and
tests/integration/test_tracking_life.py checks.

60 % go with DHL (asked through DHL Unified, pull only), 40 % with DPD (through 17TRACK,
which pushes). Each parcel follows a seeded script (label data, pickup, hubs, out for
delivery, delivered; some with a failed attempt, a slow leg, a pickup point, or a number
the carrier never knows) that the fake providers reveal as the simulated clock reaches each
scan; 17TRACK pushes what it learns about registered numbers. The clock jumps to the next
moment anything happens: a parcel due for a look, or a scan 17TRACK would push.

`python -m bench.scale.tracking_life` runs it alone (SQLite, an embedded Redis) and prints
the figures as JSON.
"""
from __future__ import annotations

import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.extensions import db
from app.models import Shipment
from app.web.tracking_push import apply_push
from connectors.tracking import SeventeenTrack
from tests.support.factories import add_parcel, make_order
from tests.support.tracking_setup import SEVENTEEN_KEY, dhl_body, poll

H = timedelta(hours=1)
START = datetime(2026, 11, 2, 7, 0, tzinfo=timezone.utc)
PARCELS = 200
DAYS = 30
DHL_SHARE = 0.6
DPD_CODE = 100007

# (our status, DHL statusCode, DHL text, 17TRACK sub_status)
LABEL = ("info_received", "pre-transit", "Die Sendung wurde elektronisch angekündigt.", "InfoReceived")
PICKED_UP = ("in_transit", "transit", "Die Sendung wurde vom Absender in der Filiale eingeliefert.",
             "InTransit_PickedUp")
HUB = ("in_transit", "transit", "Die Sendung wurde im Start-Paketzentrum bearbeitet.", "InTransit_Departure")
ARRIVAL = ("in_transit", "transit", "Die Sendung ist in der Region des Empfängers angekommen.",
           "InTransit_Arrival")
ON_VAN = ("out_for_delivery", "transit", "Die Sendung wurde in das Zustellfahrzeug geladen.",
          "OutForDelivery_Other")
MISSED = ("attempt_failed", "failure", "Der Empfänger wurde nicht angetroffen.", "DeliveryFailure_NoBody")
AT_SHOP = ("available_for_pickup", "transit", "Die Sendung liegt in der Filiale zur Abholung bereit.",
           "AvailableForPickup_Other")
DELIVERED = ("delivered", "delivered", "Die Sendung wurde zugestellt.", "Delivered_Other")
LATEST = {"info_received": "InfoReceived", "in_transit": "InTransit", "out_for_delivery": "OutForDelivery",
          "attempt_failed": "DeliveryFailure", "available_for_pickup": "AvailableForPickup",
          "delivered": "Delivered"}


@dataclass
class Parcel:
    number: str
    dhl: bool
    shipped: datetime
    scans: list[tuple[datetime, tuple]]
    id: int = 0
    shown: int = 0  # scans the provider knows so far
    pushed: int = 0  # scans 17TRACK pushed so far
    fetches: Counter = field(default_factory=Counter)  # day → DHL fetches


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(seconds=round(rng.uniform(low, high) * 3600))


def _script(rng: random.Random, shipped: datetime) -> list[tuple[datetime, tuple]]:
    """One parcel's scans: mostly two days door to door, some with a detour, a few never known."""
    kind = rng.choices(("plain", "missed", "slow", "pickup", "unknown"), (80, 8, 7, 3, 2))[0]
    if kind == "unknown":  # a mistyped number: the carrier never knows it
        return []
    at = (shipped + rng.uniform(0.2, 3) * H).replace(microsecond=0)
    scans = [(at, LABEL)]
    for scan, hours in ((PICKED_UP, (2, 14)), (HUB, (3, 8)), (ARRIVAL, (6, 14))):
        at += _hours(rng, *hours) * (5 if kind == "slow" and scan is ARRIVAL else 1)
        scans.append((at, scan))
    at += _hours(rng, 3, 9)
    scans.append((at, ON_VAN))
    if kind == "missed":
        at += _hours(rng, 2, 6)
        scans.append((at, MISSED))
        at += 20 * H
        scans.append((at, ON_VAN))
    if kind == "pickup":
        at += _hours(rng, 3, 6)
        scans.append((at, AT_SHOP))
        at += _hours(rng, 20, 60)
    else:
        at += _hours(rng, 1, 6)
    scans.append((at, DELIVERED))
    return scans


def _seventeen_item(parcel: Parcel) -> dict:
    events = [{"time_utc": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "time_iso": at.isoformat(),
               "description": scan[2],
               "location": "Deutschland", "stage": None, "sub_status": scan[3]}
              for at, scan in reversed(parcel.scans[:parcel.shown])]
    latest = parcel.scans[parcel.shown - 1][1]
    return {"number": parcel.number, "carrier": DPD_CODE, "param": None, "tag": "", "track_info": {
        "latest_status": {"status": LATEST[latest[0]], "sub_status": latest[3]}, "latest_event": events[0],
        "tracking": {"providers": [{"provider": {"key": DPD_CODE, "name": "DPD"}, "events": events}]}}}


def _reveal(parcel: Parcel, now: datetime, fake_dhl, fake_17track) -> None:
    """Let the fake provider know the parcel's scans up to `now`."""
    shown = sum(1 for at, _ in parcel.scans if at <= now)
    if shown == parcel.shown:
        return
    parcel.shown = shown
    if parcel.dhl:
        fake_dhl.put(parcel.number, dhl_body(parcel.number, [(at, scan[1], scan[2])
                                                             for at, scan in parcel.scans[:shown]]))
    else:
        fake_17track.put(parcel.number, _seventeen_item(parcel),
                         register=parcel.number in fake_17track.registered)


def _push(parcel: Parcel, now: datetime, fake_17track, verifier: SeventeenTrack) -> int:
    """17TRACK pushes a registered parcel's news (a few minutes after the scan)."""
    if parcel.dhl or parcel.number not in fake_17track.registered or parcel.pushed >= parcel.shown:
        return 0
    parcel.pushed = parcel.shown
    headers, body = fake_17track.push_body(parcel.number)
    return sum(apply_push(pushed, None, now) for pushed in verifier.verify_push(headers, body))


@dataclass
class Life:
    """What the month cost: provider calls, and the parcels as played (for the test's checks)."""

    parcels: list[Parcel]
    dhl_calls: int
    seventeen_calls: int
    pushes: int

    @property
    def calls(self) -> int:
        return self.dhl_calls + self.seventeen_calls

    def figures(self) -> dict:
        dhl = [p for p in self.parcels if p.dhl]
        return {"parcels": len(self.parcels), "days": DAYS, "provider_calls": self.calls,
                "calls_per_parcel": round(self.calls / len(self.parcels), 2),
                "dhl_parcels": len(dhl), "dhl_calls_per_parcel": round(self.dhl_calls / len(dhl), 2),
                "dhl_max_fetches_a_day": max(max(p.fetches.values(), default=0) for p in dhl),
                "seventeen_track_parcels": len(self.parcels) - len(dhl),
                "seventeen_track_calls": self.seventeen_calls, "pushes_applied": self.pushes}

    def line(self) -> str:
        f = self.figures()
        return (f"carrier tracking over {DAYS} days: {f['provider_calls']} provider calls for {f['parcels']} "
                f"parcels = {f['calls_per_parcel']:.2f} per parcel (DHL {f['dhl_calls_per_parcel']:.2f} "
                "each, "
                f"at most {f['dhl_max_fetches_a_day']} a day; 17TRACK {f['seventeen_track_calls']} calls for "
                f"{f['seventeen_track_parcels']} parcels, {f['pushes_applied']} pushes applied)")


def simulate(shop, fake_dhl, fake_17track, count: int = PARCELS, seed: int = 18) -> Life:
    """Ship `count` parcels of `shop` over two days and play their month; the fakes are the
    app-wide DHL and 17TRACK providers."""
    rng = random.Random(seed)
    parcels = []
    for i in range(count):
        dhl = rng.random() < DHL_SHARE
        shipped = START + rng.uniform(0, 48) * H
        number = f"00340434{i:012d}" if dhl else f"0{i + 1:013d}"
        order = make_order(shop, platform_order_id=f"life-{i}", status="shipped", shipping_country="DE",
                           placed_at=shipped - 20 * H)
        row = add_parcel(order, tracking_number=number, carrier="DHL" if dhl else "DPD", shipped_at=shipped)
        row.next_poll_at = shipped + 30 * timedelta(minutes=1)  # as the parcel's number arrived
        parcels.append(Parcel(number, dhl, shipped, _script(rng, shipped)))
    db.session.commit()
    for parcel, row in zip(parcels, db.session.scalars(select(Shipment).order_by(Shipment.id)), strict=True):
        parcel.id = row.id
    verifier = SeventeenTrack(SEVENTEEN_KEY, http=object())
    by_number = {parcel.number: parcel for parcel in parcels}

    now, end, pushes = START, START + timedelta(days=DAYS + 2), 0
    while now < end:
        for parcel in parcels:
            _reveal(parcel, now, fake_dhl, fake_17track)
            pushes += _push(parcel, now, fake_17track, verifier)
        seen = len(fake_dhl.requests)
        poll(now)
        for request in fake_dhl.requests[seen:]:
            by_number[request["numbers"][0]].fetches[now.date()] += 1
        now = _next_moment(now, parcels, fake_17track)
    return Life(parcels, len(fake_dhl.requests), len(fake_17track.requests), pushes)


def _next_moment(now: datetime, parcels: list[Parcel], fake_17track) -> datetime:
    """The next time anything happens: a look falls due, or a registered parcel gets a scan to push."""
    due = db.session.scalar(select(Shipment.next_poll_at).where(Shipment.next_poll_at.is_not(None))
                            .order_by(Shipment.next_poll_at).limit(1))
    scans = [at for p in parcels if not p.dhl and p.number in fake_17track.registered
             for at, _ in p.scans[p.shown:p.shown + 1]]
    moments = [m for m in (due, *scans) if m is not None]
    return max(now + timedelta(minutes=1), min(moments)) if moments else now + timedelta(days=40)


def main() -> int:
    """Alone: a fresh SQLite database and an embedded Redis, the fakes as providers; JSON out."""
    import json
    import logging
    import tempfile
    from pathlib import Path

    from cryptography.fernet import Fernet

    from app import create_app
    from app.db.migrate import upgrade
    from app.devstack.embedded_redis import start_embedded_redis
    from app.models import Shop
    from tests.support.app_config import make_config
    from tests.support.fakes.tracking_providers import FakeDhl, FakeSeventeenTrack
    from tests.support.tracking_setup import DHL_KEY

    for noisy in ("werkzeug", "httpx"):  # a line per request of the fakes
        logging.getLogger(noisy).setLevel(logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="aftersales-tracking-life-"))
    database_url = f"sqlite:///{work / 'life.sqlite'}"
    upgrade(database_url)
    redis, redis_url = start_embedded_redis(work / "redis")
    try:
        app = create_app(make_config(database_url, redis_url, Fernet.generate_key().decode()))
        with app.app_context(), FakeDhl(DHL_KEY) as dhl, FakeSeventeenTrack(SEVENTEEN_KEY) as seventeen:
            app.config.update(DHL_API_KEY=DHL_KEY, DHL_API_URL=dhl.base_url,
                              SEVENTEENTRACK_API_KEY=SEVENTEEN_KEY,
                              SEVENTEENTRACK_API_URL=seventeen.base_url)
            shop = Shop(platform="shopify", domain="life.myshopify.com", name="Life", access_token="t",
                        locale="de")
            db.session.add(shop)
            db.session.commit()
            life = simulate(shop, dhl, seventeen)
        print(life.line(), file=sys.stderr)
        print(json.dumps(life.figures()))
    finally:
        redis.terminate()
        redis.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
