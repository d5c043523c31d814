"""A stalled parcel: its carrier reported on it and then went quiet for a few business days.

A parcel whose carrier never reported anything is not stalled: nobody asked the carrier, or
it has not answered yet, and silence we never asked for is no news (its arrival is
estimated instead, app/domain/arrival/anchors.py).

Weekends and the destination's public holidays do not count, so a parcel last scanned on a
Friday is not stalled on Monday. The block and the "delayed" mail share this one rule: the
buyer who is mailed "no news for a while" sees the same on the page, and the merchant's
`delay_days` for that mail moves both.
"""
from __future__ import annotations

from datetime import datetime

from app.domain.arrival.anchors import after, destination, last_carrier_activity
from app.domain.followups.mail_kinds import KINDS
from app.domain.followups.planner_input import OrderInput, ParcelInput, ShopInput
from app.domain.shop.modules import module_settings
from connectors.base import ShipmentStatus as S

# A parcel in one of these states is expected to move; only such a parcel can stall.
STALL_STATES = (S.INFO_RECEIVED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.UNKNOWN)


def stalled_at(order: OrderInput, shop: ShopInput, parcel: ParcelInput) -> datetime | None:
    """When the parcel counts as stalled unless something new is heard; None if it cannot stall."""
    if not parcel.tracking_number or parcel.status not in STALL_STATES:
        return None
    quiet_since = last_carrier_activity(parcel)
    if quiet_since is None:
        return None
    kind = KINDS["delayed"]
    return after(quiet_since, kind.configured_delay(module_settings(shop, kind.module)), kind.business_days,
                 destination(order, shop), shop.timezone)


def is_stalled(order: OrderInput, shop: ShopInput, parcel: ParcelInput, now: datetime) -> bool:
    reached = stalled_at(order, shop, parcel)
    return reached is not None and reached <= now
