"""The moments follow-up mails count from, and counting days from them.

Arrival: the parcels' delivery time; for a parcel without tracking, or whose carrier has
never said anything about it (no provider asked, or none answered yet; the shop marking it
shipped is not the carrier), its shipped time plus the expected transit (the merchant's
delivery promise, destination business days): an estimate, which a later carrier event
replaces. For an order fulfilled without any parcel, its order time plus processing and
transit. Goods whose carrier spoke but has not said "delivered" have not arrived: nothing that
needs arrival is planned.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from app.domain.arrival.edd import DeliveryRule, add_business_days, zone
from app.domain.followups.mail_kinds import KINDS
from app.domain.followups.planner_input import OrderInput, ParcelInput, ShopInput
from app.domain.orders.shipments import carrier_spoke, said_by_carrier
from app.domain.orders.statuses import NOT_SHIPPED, PAID, fully_fulfilled
from app.domain.shop.modules import module_settings
from connectors.base import ShipmentStatus as S


def destination(order: OrderInput, shop: ShopInput) -> str:
    return (order.shipping_country or shop.country or "DE").upper()


def shift_business_days(moment: datetime, days: int, country: str, tz_name: str | None,
                        region: str | None = None) -> datetime:
    """`days` business days after `moment`, same local clock time in the shop's zone.

    Weekends and the public holidays of the country (of its `region`, when given) do not
    count: 3 business days after a Friday (or a Saturday) are the Wednesday.
    """
    tz = zone(tz_name)
    local = moment.astimezone(tz)
    day = add_business_days(local.date(), days, country, region)
    shifted = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)
    return shifted.astimezone(moment.tzinfo)


def after(moment: datetime, delay: timedelta, business: bool, country: str, tz_name: str | None,
          region: str | None = None) -> datetime:
    """`moment` plus `delay`; whole days count as business days when `business` is set."""
    if not business:
        return moment + delay
    return (shift_business_days(moment, delay.days, country, tz_name, region)
            + (delay - timedelta(days=delay.days)))


def _rule(shop: ShopInput) -> DeliveryRule:
    return DeliveryRule.from_settings(module_settings(shop, "delivery_estimate"))


def expected_arrival_after_dispatch(shipped_at: datetime, order: OrderInput, shop: ShopInput) -> datetime:
    country = destination(order, shop)
    return shift_business_days(shipped_at, _rule(shop).transit_for(country)[1], country, shop.timezone)


def arrival(order: OrderInput, shop: ShopInput) -> tuple[datetime, str] | None:
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
            elif parcel.shipped_at and (not parcel.tracking_number or awaits_carrier(parcel)):
                moments.append(expected_arrival_after_dispatch(parcel.shipped_at, order, shop))
                sources.add("shipped+transit")
            else:
                return None  # tracked and not delivered yet (or returning): not arrived
        return max(moments), ("delivered" if sources == {"delivered"} else "shipped+transit")
    if order.fulfillment_status == "fulfilled" and order.placed_at and not order.shipments:
        rule = _rule(shop)
        country = destination(order, shop)
        dispatch = shift_business_days(order.placed_at, rule.processing_days, rule.origin_country,
                                       shop.timezone,
                                       rule.origin_region)
        return (shift_business_days(dispatch, rule.transit_for(country)[1], country, shop.timezone),
                "order+transit")
    return None


# Orders with nothing to ship: no "it has not left us yet" for them.
_NOTHING_TO_SHIP = ("fulfilled", "partial", "fulfillment_not_required", "restocked")


def dispatch_overdue_at(order: OrderInput, shop: ShopInput) -> datetime | None:
    """When a paid order that has not left the shop counts as taking longer than it should:
    its order time plus the merchant's `delay_days` of the "not shipped" notice, in business
    days where the shop ships from. None once anything shipped, or for an order that is
    unpaid (a bank transfer leaves when the money arrives), cancelled or has nothing to ship.
    The days are those of the delivery promise's origin: its country and region."""
    if (order.cancelled_at is not None or order.refunded_at is not None or order.financial_status not in PAID
            or order.placed_at is None
            or order.fulfillment_status in _NOTHING_TO_SHIP
            or any(s.status not in NOT_SHIPPED for s in order.shipments)):
        return None
    kind = KINDS["not_shipped"]
    delay = kind.configured_delay(module_settings(shop, kind.module))
    rule = _rule(shop)
    return after(order.placed_at, delay, kind.business_days, rule.origin_country, shop.timezone,
                 rule.origin_region)


# States a shop's own workflow sets without any carrier (fulfilled, order completed).
_WORKFLOW_STATES = (S.INFO_RECEIVED, S.IN_TRANSIT, S.UNKNOWN)


def awaits_carrier(parcel: ParcelInput) -> bool:
    """A tracked parcel the carrier never said anything about: its arrival is estimated."""
    return bool(parcel.tracking_number) and parcel.status in _WORKFLOW_STATES and not carrier_spoke(parcel)


def last_carrier_activity(parcel: ParcelInput) -> datetime | None:
    """The carrier's newest scan of the parcel; None when the carrier never spoke."""
    times = [e.happened_at for e in parcel.events if e.happened_at and said_by_carrier(e.source)]
    return max(times) if times else None


def status_since(parcel: ParcelInput, status: str) -> datetime | None:
    """When the parcel entered its current `status` (its newest event of that status)."""
    times = [e.happened_at for e in parcel.events if e.status == status and e.happened_at]
    return max(times) if times else None
