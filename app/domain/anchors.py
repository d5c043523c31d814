"""The moments follow-up mails count from, and counting days from them.

Arrival: the parcels' delivery time; for a parcel without tracking, its shipped time plus
the expected transit (the merchant's delivery promise, destination business days); for an
order fulfilled without any parcel, its order time plus processing and transit. Goods whose
tracking has not said "delivered" yet have not arrived: nothing that needs arrival is planned.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from app.domain.edd import DeliveryRule, add_business_days
from app.domain.fatigue import zone
from app.domain.modules import module_settings
from app.domain.statuses import NOT_SHIPPED, fully_fulfilled
from app.models import Order, Shop
from connectors.base import ShipmentStatus as S


def destination(order: Order, shop: Shop) -> str:
    return (order.shipping_country or shop.country or "DE").upper()


def shift_business_days(moment: datetime, days: int, country: str, tz_name: str | None) -> datetime:
    """`days` business days after `moment`, same local clock time in the shop's zone.

    Weekends and the country's public holidays do not count: 3 business days after a
    Friday (or a Saturday) are the Wednesday.
    """
    tz = zone(tz_name)
    local = moment.astimezone(tz)
    day = add_business_days(local.date(), days, country)
    shifted = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)
    return shifted.astimezone(moment.tzinfo)


def after(moment: datetime, delay: timedelta, business: bool, country: str, tz_name: str | None) -> datetime:
    """`moment` plus `delay`; whole days count as business days when `business` is set."""
    if not business:
        return moment + delay
    return shift_business_days(moment, delay.days, country, tz_name) + (delay - timedelta(days=delay.days))


def _rule(shop: Shop) -> DeliveryRule:
    return DeliveryRule.from_settings(module_settings(shop, "delivery_estimate"))


def expected_arrival_after_dispatch(shipped_at: datetime, order: Order, shop: Shop) -> datetime:
    country = destination(order, shop)
    return shift_business_days(shipped_at, _rule(shop).transit_for(country)[1], country, shop.timezone)


def arrival(order: Order, shop: Shop) -> tuple[datetime, str] | None:
    """When the goods arrived (or are taken to have arrived) and how we know; None if not yet."""
    live = [s for s in order.shipments if s.status not in NOT_SHIPPED]
    if live:
        if not fully_fulfilled(order):
            return None
        moments, sources = [], set()
        for parcel in live:
            if parcel.status == S.DELIVERED and parcel.delivered_at:
                moments.append(parcel.delivered_at)
                sources.add("delivered")
            elif not parcel.tracking_number and parcel.shipped_at:
                moments.append(expected_arrival_after_dispatch(parcel.shipped_at, order, shop))
                sources.add("shipped+transit")
            else:
                return None  # tracked and not delivered yet (or returning): not arrived
        return max(moments), ("delivered" if sources == {"delivered"} else "shipped+transit")
    if order.fulfillment_status == "fulfilled" and order.placed_at and not order.shipments:
        rule = _rule(shop)
        country = destination(order, shop)
        dispatch = shift_business_days(order.placed_at, rule.processing_days, rule.origin_country, shop.timezone)
        return (shift_business_days(dispatch, rule.transit_for(country)[1], country, shop.timezone), "order+transit")
    return None


def last_activity(parcel) -> datetime | None:
    """The newest thing we heard about a parcel: its last tracking event, else its dispatch."""
    times = [e.happened_at for e in parcel.events if e.happened_at]
    if parcel.shipped_at:
        times.append(parcel.shipped_at)
    return max(times) if times else None


def status_since(parcel, status: str) -> datetime | None:
    """When the parcel entered its current `status` (its newest event of that status)."""
    times = [e.happened_at for e in parcel.events if e.status == status and e.happened_at]
    return max(times) if times else None
