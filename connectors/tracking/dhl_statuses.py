"""DHL Shipment Tracking – Unified: `statusCode` and the carrier's words → ShipmentStatus.

The API's enum has five codes (pre-transit, transit, delivered, failure, unknown; OpenAPI
1.3.1 and the portal's newer enum, see ../shared/reference/carriers.md §1 and §3). It has
no code for out-for-delivery, ready-for-pickup or a return, so those come from the event's
text, and only from phrases listed here.

Phrase sources: "in das Zustellfahrzeug geladen" is in a recorded API answer
(msouvikrepo/scala-API-Integration DhlTest.scala). The others are the German and English
texts of dhl.de's tracking as matched by public client code (sauladam/shipment-tracker
src/Trackers/DHL.php; shlee322/delivery-tracker carriers/de.dhl for the Express wording):
**unverified** against the API itself. A text we do not know keeps the code's meaning.
"""
from __future__ import annotations

from connectors.base import ShipmentStatus

CODES: dict[str, ShipmentStatus] = {
    "pre-transit": ShipmentStatus.INFO_RECEIVED,
    "transit": ShipmentStatus.IN_TRANSIT,
    "delivered": ShipmentStatus.DELIVERED,
    "failure": ShipmentStatus.EXCEPTION,
    "unknown": ShipmentStatus.UNKNOWN,
}

# Texts under `transit` that say more than "on its way". Lower-case substrings.
OUT_FOR_DELIVERY = (
    "in das zustellfahrzeug geladen",  # recorded (parcel-de, language=de)
    "loaded onto the delivery vehicle",  # parcel-de, English
    "out for delivery",
    "out with courier for delivery",  # express
)
PICKUP = (
    "zur abholung bereit",  # "Die Sendung liegt in der Filiale zur Abholung bereit."
    "zur abholung in der filiale",
    "zur abholung in der packstation",
    "liegt in der packstation",
    "ready for pick-up",
    "ready for pickup",
    "ready for collection",
)

# Texts under `failure` (and, for a completed return, under `delivered`).
RETURNED = (
    "an den absender zugestellt",  # "Die Rücksendung wurde an den Absender zugestellt."
    "has been returned to the sender",
    "was returned to the sender",
)
RETURNING = (
    "rücksendung",  # "Es erfolgt eine Rücksendung", "Rücksendung eingeleitet"
    "an den absender zurück",  # "wird an den Absender zurückgeschickt / zurückgesendet"
    "being returned",
    "returning to sender",
    "return to sender",
    "returned to sender",
)
ATTEMPT_FAILED = (
    "nicht angetroffen",
    "konnte nicht zugestellt werden",
    "nicht erfolgreich zugestellt",
    "zustellversuch",
    "could not be delivered",
    "delivery attempt",
)


def _says(text: str, phrases: tuple[str, ...]) -> bool:
    return any(phrase in text for phrase in phrases)


def normalise(code: str | None, *texts: str | None) -> ShipmentStatus:
    """One event's status from its `statusCode` and its texts (status, description, remark)."""
    said = " ".join(" ".join(t.split()) for t in texts if isinstance(t, str)).casefold()
    base = CODES.get(code or "", ShipmentStatus.UNKNOWN)
    if base is ShipmentStatus.IN_TRANSIT:
        if _says(said, OUT_FOR_DELIVERY):
            return ShipmentStatus.OUT_FOR_DELIVERY
        if _says(said, PICKUP):
            return ShipmentStatus.AVAILABLE_FOR_PICKUP
    elif base is ShipmentStatus.EXCEPTION:
        if _says(said, RETURNED):
            return ShipmentStatus.RETURNED
        if _says(said, RETURNING):
            return ShipmentStatus.RETURNING
        if _says(said, ATTEMPT_FAILED):
            return ShipmentStatus.ATTEMPT_FAILED
    elif base is ShipmentStatus.DELIVERED and _says(said, RETURNED):
        # A return handed back to the sender may come as `delivered` (unverified): not the buyer's parcel.
        return ShipmentStatus.RETURNED
    return base
