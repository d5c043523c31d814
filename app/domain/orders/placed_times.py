"""When an order was placed, as SQL, and how far back a parcel's order may lie: the terms the
analytics pages select a shop's orders by, so that the index on (shop_id,
coalesce(placed_at, created_at)) (migration 0025) bounds what they read to their period."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func

from app.models import Order

# A parcel is read with its order only when the order was placed at most this long before the
# parcel's window starts (shipped or delivered): older orders' parcels are not in any figure.
PARCEL_ORDER_AGE = timedelta(days=365)


def placed_at(order: type[Order] = Order) -> ColumnElement[datetime]:
    """When the order was placed (the platform's time, else when we stored it)."""
    return func.coalesce(order.placed_at, order.created_at)


def parcel_orders_since(window_start: datetime) -> ColumnElement[bool]:
    """The orders whose parcels can fall in a window starting at `window_start`."""
    return placed_at() >= window_start - PARCEL_ORDER_AGE
