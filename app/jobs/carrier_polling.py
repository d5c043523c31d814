"""Ask the tracking providers about the parcels that are due, a pass a minute.

A pass takes the due parcels (`next_poll_at` passed, oldest first, PASS_LIMIT of them),
stops those that are over (final state, 30 days after shipping), looks again tomorrow at
those no provider can follow (no key: normal), and groups the rest by (shop, provider, key,
register-or-track) into calls of the provider's batch size. Keys take turns; each is called
at its provider's rate (app/jobs/tracking_pacing.py). What a call brings is applied per
call in one transaction, with the orders locked as a drain locks them, and each parcel's
next look is set by app/domain/arrival/poll_schedule.py.

A 429 pauses the key until its Retry-After (its parcels wait for the pause's end); a refused
key is marked (own key: on its row, shown in the admin; app-wide: for a day) and its parcels
are due again to be given another key or none; an unavailable provider (5xx, timeout) moves
the call's parcels 30 minutes on and the key sits out the rest of the pass.

Bookkeeping (next look, counts) goes through app/jobs/tracking_bookkeeping.py.
"""
from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from app.clients.tracking import app_wide_keys, own_keys, provider_client
from app.domain.arrival.carrier_tracks import apply_track, replan
from app.domain.arrival.carriers import normalise_number
from app.domain.arrival.poll_schedule import FINAL, given_up, later, next_poll
from app.domain.arrival.tracking_choice import KeyChoice, carrier_key, choose, fingerprint, usable_keys
from app.domain.orders.order_context import lock_existing
from app.extensions import db, queues
from app.jobs import tracking_pacing as pacing
from app.jobs.interval_locks import release, take
from app.jobs.runtime import job
from app.jobs.tracking_bookkeeping import count_call, defer, record_looks, stop
from app.models import Order, Shipment, Shop, TrackingProviderKey
from connectors.base import NotSupported
from connectors.base import ShipmentStatus as S
from connectors.tracking.base import (
    KeyRefused,
    ParcelQuery,
    ParcelTrack,
    RateLimited,
    TrackingProviderError,
)

log = logging.getLogger(__name__)

PASS_LIMIT = 500
PASS_SECONDS = 40.0
MAX_SLOT_WAIT = 2.0
UNAVAILABLE_BACKOFF = timedelta(minutes=30)
NO_PROVIDER_RECHECK = timedelta(hours=24)
REGISTER_REFUSED_RETRY = timedelta(hours=12)
REGISTER_TRIES = 3  # a number the provider refused this often is not offered again
PAUSE_SPREAD = timedelta(minutes=10)  # a paused key's parcels come back over this long
RUNNING_KEY = "aftersales:carrier-poll-running"

@dataclass(frozen=True)
class Due:
    id: int
    shop_id: int
    platform_order_id: str
    number: str | None
    carrier: str | None
    status: str
    provider: str | None
    registered_at: datetime | None
    poll_count: int
    shipped_at: datetime | None
    country: str | None
    shop_active: bool
    zone: str | None  # the shop's time zone: its nights are quiet


@dataclass
class Call:
    key: KeyChoice
    shop_id: int
    register: bool
    parcels: list[Due]

    @property
    def lane(self) -> tuple[str, str]:
        return self.key.provider, self.key.fingerprint


def enqueue_carrier_pass() -> int:
    """Enqueue a pass (the periodic table, app/jobs/periodic.py, calls this once a minute)."""
    queues.enqueue("periodic", poll_carriers, job_id=f"carrier-poll-{int(time.time()) // 60}", retries=0)
    return 1


@job
def poll_carriers() -> dict:
    if not take(RUNNING_KEY, PASS_SECONDS * 3):
        return {"skipped": "another pass is running"}
    try:
        return poll_due()
    finally:
        release(RUNNING_KEY)


def poll_due(now: datetime | None = None, *, limit: int = PASS_LIMIT, simulated: bool = False,
             budget: float = PASS_SECONDS) -> dict:
    """One pass; `simulated`: waits for a rate slot move a simulated clock (tests) instead of sleeping."""
    now = now or datetime.now(timezone.utc)
    clock = pacing.PassClock(now, simulated)
    counts = {"due": 0, "stopped": 0, "no_provider": 0, "deferred": 0, "calls": 0, "lookups": 0,
              "failed_calls": 0}
    rows = _due(now, limit)
    counts["due"] = len(rows)
    calls = _plan(rows, now, clock, counts)
    db.session.commit()
    _run(calls, now, clock, budget, counts)
    return counts


def _due(now: datetime, limit: int) -> list[Due]:
    rows = db.session.execute(
        select(Shipment.id, Order.shop_id, Order.platform_order_id, Shipment.tracking_number,
               Shipment.carrier,
               Shipment.status, Shipment.tracking_provider, Shipment.registered_at, Shipment.poll_count,
               Shipment.shipped_at,
               Order.shipping_country, Shop.uninstalled_at.is_(None), Shop.timezone)
        .join(Order, Order.id == Shipment.order_id).join(Shop, Shop.id == Order.shop_id)
        .where(Shipment.next_poll_at <= now).order_by(Shipment.next_poll_at).limit(limit)).all()
    return [Due(*tuple(row)) for row in rows]


def _plan(rows: list[Due], now: datetime, clock: pacing.PassClock, counts: dict) -> list[Call]:
    """Settle the rows that need no call; group the rest into calls."""
    app_wide = app_wide_keys()
    refused = {fingerprint(key) for provider, key in app_wide.items()
               if key and pacing.app_key_refused(provider, fingerprint(key))}
    owned = own_keys(db.session(), {row.shop_id for row in rows})
    groups: dict[tuple, list[Due]] = {}
    chosen: dict[tuple, KeyChoice] = {}
    pauses: dict[tuple[str, str], float | None] = {}
    stops, deferrals = [], []
    for row in rows:
        if not row.number or row.status in FINAL or given_up(now, row.shipped_at):
            stops.append(row)
            continue
        key = None
        if row.shop_active:
            keys = usable_keys(owned.get(row.shop_id, {}), app_wide, refused)
            key = choose(carrier_key(row.carrier, row.number), keys, row.provider)
        if key is None:  # no provider can follow it (or the shop is gone for now): tomorrow again
            counts["no_provider"] += 1
            deferrals.append((row, later(row.id, now + NO_PROVIDER_RECHECK, NO_PROVIDER_RECHECK / 5)))
            continue
        if (key.provider, key.fingerprint) not in pauses:
            pauses[(key.provider, key.fingerprint)] = pacing.paused_until(key.provider,
                                                                          key.fingerprint, clock)
        until = pauses[(key.provider, key.fingerprint)]
        if until is not None:
            counts["deferred"] += 1
            deferrals.append((row, later(row.id, _at(until), PAUSE_SPREAD)))
            continue
        register = _pushes(key.provider) and (row.registered_at is None or row.provider != key.provider)
        group = (row.shop_id, key.provider, key.fingerprint, register)
        groups.setdefault(group, []).append(row)
        chosen[group] = key
    stop(stops, now)
    defer(deferrals)
    counts["stopped"] += len(stops)
    calls: list[Call] = []
    for group, parcels in groups.items():
        size = _batch_size(group[1])
        calls.extend(Call(chosen[group], group[0], group[3], parcels[start:start + size])
                     for start in range(0, len(parcels), size))
    return calls


def _run(calls: list[Call], now: datetime, clock: pacing.PassClock, budget: float, counts: dict) -> None:
    """Make the calls, keys taking turns, each at its provider's rate, until the pass's time is up."""
    lanes: OrderedDict[tuple[str, str], deque[Call]] = OrderedDict()
    for call in calls:
        lanes.setdefault(call.lane, deque()).append(call)
    started = clock.time()
    while lanes and clock.time() - started < budget:
        shortest = None
        for lane in list(lanes):
            wait = pacing.wait_for_slot(*lane, clock)
            if wait > 0:
                shortest = wait if shortest is None else min(shortest, wait)
                continue
            call = lanes[lane].popleft()
            if not _make(call, now, clock, counts):  # paused, refused or unavailable: the key sits out
                _set_aside(lanes.pop(lane), lane, clock)
                continue
            if not lanes[lane]:
                del lanes[lane]
        if shortest is not None and lanes:
            clock.sleep(min(shortest, MAX_SLOT_WAIT))


def _set_aside(calls: deque[Call], lane: tuple[str, str], clock: pacing.PassClock) -> None:
    """The calls a key did not get to make: after its pause when it is paused, else they stay due."""
    until = pacing.paused_until(*lane, clock)
    if until is not None and calls:
        defer([(row, later(row.id, _at(until), PAUSE_SPREAD)) for call in calls for row in call.parcels])
        db.session.commit()


def _make(call: Call, now: datetime, clock: pacing.PassClock, counts: dict) -> bool:
    """One call and what follows from it; False when the key must not be called again this pass."""
    provider, key = call.key.provider, call.key
    queries = [ParcelQuery(normalise_number(row.number), carrier=carrier_key(row.carrier, row.number),
                           destination_country=row.country, tag=str(row.id)) for row in call.parcels]
    client = provider_client(provider, key.api_key)
    counts["calls"] += 1
    counts["lookups"] += len(queries)
    try:
        answer = client.register(queries) if call.register else client.track(queries)
    except RateLimited as exc:
        until = pacing.pause(provider, key.fingerprint, exc.retry_after, clock)
        log.warning("%s key %s paused for %.0f s: %s", provider, key.fingerprint, until - clock.time(), exc)
        return _failed(call, counts, now,
                       [(row, later(row.id, _at(until), PAUSE_SPREAD)) for row in call.parcels])
    except KeyRefused as exc:
        _refuse(call, exc)
        return _failed(call, counts, now, [(row, now) for row in call.parcels])
    except (TrackingProviderError, NotSupported) as exc:
        log.warning("%s unavailable for shop %s (%d parcels): %s", provider, call.shop_id, len(queries), exc)
        return _failed(call, counts, now,
                       [(row, later(row.id, now + UNAVAILABLE_BACKOFF, timedelta(minutes=6)))
                                           for row in call.parcels])
    finally:
        client.close()
    pacing.answered(provider, key.fingerprint)
    if call.register:
        _registered(call, answer, now)
    else:
        _apply(call, answer, now)
    count_call(call.shop_id, call.key.provider, len(call.parcels), now)
    db.session.commit()
    return True


def _failed(call: Call, counts: dict, now: datetime, deferrals: list) -> bool:
    counts["failed_calls"] += 1
    defer(deferrals)
    count_call(call.shop_id, call.key.provider, len(call.parcels), now)
    db.session.commit()
    return False


def _refuse(call: Call, exc: KeyRefused) -> None:
    provider, key = call.key.provider, call.key
    if key.own:
        db.session.execute(update(TrackingProviderKey)
                           .where(TrackingProviderKey.shop_id == call.shop_id,
                                  TrackingProviderKey.provider == provider)
                           .values(last_error=f"refused by {provider}: {exc}"[:255], verified_at=None))
    else:
        pacing.refuse_app_key(provider, key.fingerprint)
    log.error("%s refused the %s key %s: %s", provider, "shop's own" if key.own else "app-wide",
              key.fingerprint, exc)


def _registered(call: Call, outcome: dict[str, str | None], now: datetime) -> None:
    provider, looked = call.key.provider, []
    for row in call.parcels:
        reason = outcome.get(normalise_number(row.number), "no answer for this number")
        if reason is None:
            at = next_poll(row.id, row.status, now, row.shipped_at, pushed=True, provider=provider,
                           zone=row.zone)
            looked.append({"_id": row.id, "_number": row.number, "_next": at, "_registered": now,
                           "_provider": provider, "_stopped": None if at else now})
        else:  # the number itself (its format, an undetectable carrier): a few tries, then no more
            log.info("%s did not take parcel %s: %s", provider, row.id, reason)
            last = row.poll_count + 1 >= REGISTER_TRIES
            looked.append({"_id": row.id, "_number": row.number, "_registered": None, "_provider": provider,
                           "_next": None if last else later(row.id, now + REGISTER_REFUSED_RETRY,
                                                            REGISTER_REFUSED_RETRY / 5),
                           "_stopped": now if last else None})
    record_looks(looked)


def _apply(call: Call, tracks: list[ParcelTrack], now: datetime) -> None:
    """Apply the answers to the parcels under their orders' locks, re-plan, set the next looks."""
    session, provider = db.session(), call.key.provider
    shop = session.get(Shop, call.shop_id)
    if shop is None:  # deleted since the pass began, and its orders with it: nothing to apply
        return
    orders = lock_existing(session, call.shop_id, [row.platform_order_id for row in call.parcels])
    by_number = {normalise_number(track.tracking_number): track for track in tracks}
    changed, looked = {}, []
    for index, row in enumerate(call.parcels):
        track = by_number.get(normalise_number(row.number)) or (tracks[index] if index < len(tracks)
                                                                else None)
        order = orders.get((call.shop_id, row.platform_order_id))
        shipment = next((s for s in order.shipments if s.id == row.id), None) if order else None
        if track is None or order is None or shipment is None or shipment.tracking_number != row.number:
            continue  # gone, or a new number meanwhile (it is due afresh)
        if apply_track(shipment, track, provider):
            changed[order.id] = order
        state = shipment.status if shipment.status in FINAL else (track.status if track.found else S.UNKNOWN)
        at = next_poll(row.id, state, now, shipment.shipped_at or row.shipped_at,
                       pushed=_pushes(provider) and row.registered_at is not None, provider=provider,
                       zone=row.zone)
        looked.append({"_id": row.id, "_number": row.number, "_next": at, "_registered": row.registered_at,
                       "_provider": provider, "_stopped": None if at else now})
    if changed:
        replan(session, sorted(changed.values(), key=lambda order: order.platform_order_id), now)
    record_looks(looked)


def _pushes(provider: str) -> bool:
    from connectors.tracking import PROVIDERS

    return bool(getattr(PROVIDERS[provider], "pushes", False))


def _batch_size(provider: str) -> int:
    from connectors.tracking import PROVIDERS

    return int(getattr(PROVIDERS[provider], "batch_size", 1))


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)
