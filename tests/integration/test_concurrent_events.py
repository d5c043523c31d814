"""Two workers applying events of one order at the same moment: the second waits for the first.

Shopify sends each carrier scan as fulfillment_events/create and as fulfillments/update at
once; the scale run (bench/scale) saw two workers insert the same tracking event side by side
and deadlock on the order and its parcels, until events of one order took the order's lock.
"""
import json
import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.orders.events import apply_events
from app.extensions import db
from app.models import Shop, TrackingEvent
from connectors.shopify.mapping import parse_webhook
from tests.integration.test_shopify_privacy import FULFILLMENT
from tests.unit.test_shopify_mapping import ORDER

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


def _event(topic: str, payload: dict):
    return parse_webhook(topic, json.dumps(payload).encode())


def test_one_scan_applied_by_two_workers_at_once_is_recorded_once(app, shop):
    if db.dialect != "postgresql":
        pytest.skip("SQLite admits one writer at a time; the row lock that orders the two is PostgreSQL's")
    apply_events(db.session, [(shop, _event("orders/create", ORDER))], NOW)
    apply_events(db.session, [(shop, _event("fulfillments/create", FULFILLMENT))], NOW)
    db.session.commit()
    happened = "2026-11-22T07:00:00+01:00"
    scan = _event("fulfillment_events/create",
                  {"id": 1, "fulfillment_id": FULFILLMENT["id"], "order_id": ORDER["id"],
                                                "status": "out_for_delivery", "happened_at": happened})
    update = _event("fulfillments/update",
                    dict(FULFILLMENT, shipment_status="out_for_delivery", updated_at=happened))
    first, second = Session(db.engine), Session(db.engine)
    errors: list[Exception] = []

    def apply_second() -> None:
        try:
            apply_events(second, [(second.get(Shop, shop.id), update)], NOW)
            second.commit()
        except Exception as exc:  # noqa: BLE001 - the test reports whatever the second worker hit
            errors.append(exc)
            second.rollback()

    try:
        apply_events(first, [(first.get(Shop, shop.id), scan)], NOW)
        first.flush()  # the first worker is mid-transaction
        worker = threading.Thread(target=apply_second)
        worker.start()
        worker.join(1.0)
        assert worker.is_alive(), "the second worker should wait for the first one's transaction"
        first.commit()
        worker.join(10)
    finally:
        first.close()
        second.close()
    assert errors == []
    statuses = db.session.scalars(select(TrackingEvent.status).order_by(TrackingEvent.happened_at)).all()
    assert statuses == ["in_transit", "out_for_delivery"]


def test_the_locked_order_is_read_as_it_is_now_not_as_the_session_held_it(app, shop):
    """A drain's session lives across transactions and keeps what it loaded; the order it
    locks for the next event must carry another worker's changes made meanwhile."""
    from app.domain.orders.order_context import lock_orders
    from app.models import Order, Shipment
    from tests.support.factories import add_parcel, make_order

    order = make_order(shop, platform_order_id="5001")
    add_parcel(order)
    db.session.commit()
    assert len(db.session.get(Order, order.id).shipments) == 1  # held, parcels loaded
    with Session(db.engine) as other:  # another worker, meanwhile
        other.get(Order, order.id).name = "#5001-B"
        other.add(Shipment(order_id=order.id, platform_fulfillment_id="f-other", parcel_index=0))
        other.commit()
    locked = lock_orders(db.session, [(shop.id, "5001")], NOW)[shop.id, "5001"]
    assert locked.name == "#5001-B" and len(locked.shipments) == 2
