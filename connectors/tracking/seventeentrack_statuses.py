"""17TRACK v2.2: its statuses, carrier codes and error codes in our terms.

Sources: ../shared/reference/carriers.md §2 (status names from the docs and
wksw/17track-golang-sdk; carrier codes from 17TRACK's apicarrier.all.json via two copies;
error codes from help.17track.net faq 37570440168473).
"""
from __future__ import annotations

from connectors.base import ShipmentStatus

STATUSES: dict[str, ShipmentStatus] = {
    "NotFound": ShipmentStatus.UNKNOWN,
    "InfoReceived": ShipmentStatus.INFO_RECEIVED,
    "InTransit": ShipmentStatus.IN_TRANSIT,
    "OutForDelivery": ShipmentStatus.OUT_FOR_DELIVERY,
    "AvailableForPickup": ShipmentStatus.AVAILABLE_FOR_PICKUP,
    "DeliveryFailure": ShipmentStatus.ATTEMPT_FAILED,
    "Delivered": ShipmentStatus.DELIVERED,
    "Exception": ShipmentStatus.EXCEPTION,  # Lost, Damage, Delayed, Cancel, … (returns below)
    "Expired": ShipmentStatus.EXCEPTION,  # no news for a long time: stale
}
SUB_STATUSES: dict[str, ShipmentStatus] = {
    "Exception_Returning": ShipmentStatus.RETURNING,
    "Exception_Returned": ShipmentStatus.RETURNED,
}
# An event's `stage` (milestone key) when it carries no sub_status; it varies by carrier.
STAGES: dict[str, ShipmentStatus] = {
    "InfoReceived": ShipmentStatus.INFO_RECEIVED,
    "PickedUp": ShipmentStatus.IN_TRANSIT,
    "Departure": ShipmentStatus.IN_TRANSIT,
    "Arrival": ShipmentStatus.IN_TRANSIT,
    "OutForDelivery": ShipmentStatus.OUT_FOR_DELIVERY,
    "AvailableForPickup": ShipmentStatus.AVAILABLE_FOR_PICKUP,
    "DeliveryFailure": ShipmentStatus.ATTEMPT_FAILED,
    "Delivered": ShipmentStatus.DELIVERED,
    "Returning": ShipmentStatus.RETURNING,
    "Returned": ShipmentStatus.RETURNED,
}


def normalise(status: str | None, sub_status: str | None = None) -> ShipmentStatus:
    """`latest_status{status, sub_status}` → ours. A sub_status alone ("InTransit_Arrival")
    names its status before the underscore."""
    if sub_status in SUB_STATUSES:
        return SUB_STATUSES[sub_status]
    if not status and sub_status:
        status = sub_status.split("_", 1)[0]
    return STATUSES.get(status or "", ShipmentStatus.UNKNOWN)


def event_status(sub_status: str | None, stage: str | None) -> ShipmentStatus:
    found = normalise(None, sub_status) if sub_status else ShipmentStatus.UNKNOWN
    if found is ShipmentStatus.UNKNOWN and stage:
        return STAGES.get(stage, ShipmentStatus.UNKNOWN)
    return found


# Our carrier key → 17TRACK's numeric code (carriers.md §2, "Carrier codes").
CARRIER_CODES: dict[str, int] = {
    "dhl": 7041,  # DHL Paket
    "deutsche_post": 7044,  # Deutsche Post Mail
    "dpd": 100007,  # DPD (DE)
    "gls": 101070,  # GLS (DE)
    "hermes": 100031,  # Hermes (DE)
    "ups": 100002,
    "postnl": 14041,
    "austrian_post": 1161,
    "swiss_post": 19251,
    "dhl_express": 100001,
    # FedEx: provider key 100003 in a recorded gettrackinfo answer (grapeot/track17-skill
    # fixtures/gettrackinfo_info_received.json); not in carriers.md's table.
    "fedex": 100003,
}
ALIASES = {"dhl_paket": "dhl"}
CARRIER_OF_CODE: dict[int, str] = {code: key for key, code in CARRIER_CODES.items()}
CARRIER_OF_CODE[100005] = "gls"  # the older generic "GLS" code


def carrier_code(carrier: str | None) -> int | None:
    """17TRACK's code for our key; None lets 17TRACK detect the carrier from the number."""
    return CARRIER_CODES.get(ALIASES.get(carrier or "", carrier or ""))


def carrier_key(code) -> str | None:
    """Our key for a 17TRACK code; a carrier we have no key for stays visible as "17track:<code>"."""
    if not isinstance(code, int) or isinstance(code, bool) or code <= 0:
        return None
    return CARRIER_OF_CODE.get(code, f"17track:{code}")


# Error codes (faq 37570440168473). -18010001 (IP not on the key's allow-list) and
# -18010004 (account disabled) are from 17TRACK's error table as copied into public clients
# (**unverified** here); both need the merchant, like a wrong key.
KEY_REFUSED = frozenset({-18010001, -18010002, -18010004})
ALREADY_REGISTERED = -18019901
NOT_REGISTERED = -18019902
CARRIER_NOT_DETECTED = -18019903
QUOTA = frozenset({-18019907, -18019908})  # daily limit, quota used up
NO_INFO_YET = -18019909
TOO_MANY_NUMBERS = -18010014
