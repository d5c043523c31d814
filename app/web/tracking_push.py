"""17TRACK's push webhook: verify, apply, answer 200.

Pushes are applied here, not stored first like the platforms' webhooks: a push carries one
parcel, and applying it is a few rows under one order lock (milliseconds), where storing it
first would add a row, a drain job and a second pass over the same rows. 17TRACK retries a
push that fails (10, 30, 60 minutes) and the daily safety-net poll reconciles anything lost,
so an error answers 500 and stores nothing.

17TRACK signs with the account's key: the app-wide key and every shop's own 17TRACK key are
tried (a sha256 each). None verifies: 401, nothing stored. A body that verifies but cannot be
read: 400, kept in webhook_deliveries (platform "17track", state "malformed") for inspection.
The same push twice applies once (a scan is recorded once; the rest is idempotent).
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime, timezone

from flask import Blueprint, request
from sqlalchemy import Row, or_, select
from sqlalchemy.orm import selectinload

from app.clients.tracking import app_wide_keys, provider_client
from app.db.base import insert_for
from app.domain.arrival.carrier_tracks import apply_track, replan
from app.domain.arrival.carriers import normalise_number
from app.domain.arrival.poll_schedule import FINAL, next_poll
from app.domain.arrival.tracking_choice import SEVENTEENTRACK
from app.extensions import db
from app.jobs.tracking_bookkeeping import heard
from app.models import DeliveryState, Order, Shipment, Shop, TrackingProviderKey, WebhookDelivery
from app.web.machine_posts import answer, capped_body, require_post
from connectors.base import MalformedPayload
from connectors.tracking.base import PushedTrack, PushRefused

log = logging.getLogger(__name__)
bp = Blueprint("tracking_push", __name__)
_NO_HTTP = object()  # checking a signature makes no request


@bp.route("/webhooks/tracking/17track", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def seventeentrack_push():
    """Receive one 17TRACK push (TRACKING_UPDATED or TRACKING_STOPPED)."""
    require_post("pushes")
    body = capped_body("MAX_WEBHOOK_BYTES")
    headers = dict(request.headers)
    for api_key, shop_id in _candidate_keys():
        try:
            pushes = provider_client(SEVENTEENTRACK, api_key, http=_NO_HTTP).verify_push(headers, body)
        except PushRefused:
            continue
        except MalformedPayload as exc:
            _keep_malformed(body, shop_id, str(exc))
            log.warning("malformed 17track push kept for inspection: %s", exc)
            return answer(400, f"malformed push, kept: {exc}")
        now = datetime.now(timezone.utc)
        applied = sum(apply_push(pushed, shop_id, now) for pushed in pushes)
        return answer(200, f"applied to {applied} parcel(s)")
    return answer(401, "the sign header does not verify with any 17TRACK key configured here")


def _candidate_keys() -> list[tuple[str, int | None]]:
    """The app-wide key first, then the shops' own 17TRACK keys (key, its shop)."""
    keys: list[tuple[str, int | None]] = []
    app_key = app_wide_keys().get(SEVENTEENTRACK)
    if app_key:
        keys.append((app_key, None))
    rows = db.session.execute(select(TrackingProviderKey.api_key, TrackingProviderKey.shop_id)
                              .where(TrackingProviderKey.provider == SEVENTEENTRACK)).all()
    db.session.commit()
    keys.extend((key, shop_id) for key, shop_id in rows if key != app_key)
    return keys


def apply_push(pushed: PushedTrack, shop_id: int | None, now: datetime) -> int:
    """Apply a verified push to its parcels (by our tag, else by number; of `shop_id` when the
    shop's own key signed it); how many it found."""
    session = db.session()
    found = 0
    for shipment_id, order_id in _parcels(pushed, shop_id):
        order = session.scalars(
            select(Order).where(Order.id == order_id).with_for_update()
            .options(selectinload(Order.shipments).selectinload(Shipment.events))
            .execution_options(populate_existing=True)).first()
        shipment = next((s for s in order.shipments if s.id == shipment_id), None) if order else None
        if order is None or shipment is None:
            session.commit()
            continue
        found += 1
        shop = order.shop
        if apply_track(shipment, pushed.track, SEVENTEENTRACK):
            replan(session, [order], now)
        following = not pushed.stopped and shipment.status not in FINAL
        heard(shipment.id, next_poll(shipment.id, shipment.status, now, shipment.shipped_at, pushed=True,
                                     provider=SEVENTEENTRACK, zone=shop.timezone) if following else None, now)
        session.commit()
    return found


def _parcels(pushed: PushedTrack, shop_id: int | None) -> list[tuple[int, int]]:
    """(shipment id, order id) of the parcels the push is about, of installed shops (and of the
    key's shop, when a shop's own key signed it)."""
    number = normalise_number(pushed.track.tracking_number)
    query = (select(Shipment.id, Shipment.order_id, Shipment.tracking_number)
             .join(Order, Order.id == Shipment.order_id).join(Shop, Shop.id == Order.shop_id)
             .where(Shop.uninstalled_at.is_(None)))
    if shop_id is not None:
        query = query.where(Order.shop_id == shop_id)
    tag = pushed.tag or ""
    rows: Sequence[Row[int, int, str | None]] = []
    if tag.isdigit():
        rows = [row for row in db.session.execute(query.where(Shipment.id == int(tag)))
                if normalise_number(row.tracking_number) == number]
    if not rows:
        rows = db.session.execute(query.where(
            or_(Shipment.tracking_number == number, Shipment.tracking_number == pushed.track.tracking_number),
            Shipment.tracking_provider == SEVENTEENTRACK)).all()
    db.session.commit()
    return [(row.id, row.order_id) for row in rows]


def _keep_malformed(body: bytes, shop_id: int | None, error: str) -> None:
    table = WebhookDelivery.__table__
    digest = hashlib.sha256(body).hexdigest()[:40]
    with db.autocommit() as conn:
        conn.execute(insert_for(db.dialect)(table).values(
            platform=SEVENTEENTRACK, delivery_key=f"push:{digest}", topic="tracking push", shop_id=shop_id,
            body=body, state=DeliveryState.MALFORMED, error=error[:1000],
            received_at=datetime.now(timezone.utc))
            .on_conflict_do_nothing(index_elements=["platform", "delivery_key"]))
