"""DHL Shipment Tracking – Unified (`GET /track/shipments`): one parcel per call, no pushes.

Wire facts: ../shared/reference/carriers.md §1. Header `DHL-API-Key`; `service` always
sent when we know the carrier (parcel-de for DHL Paket, express, post-de for Deutsche Post);
`recipientPostalCode` when known (parcel-de gives full data only with it); `language=de`.
404 problem+json is "no information yet" (normal for a fresh number), not an error. DHL
documents no Retry-After on its 429; one that is sent anyway is passed on. The limits
(1 call/s, 250 a day on the first level, ≤10 fetches per parcel a day) are the scheduler's.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from connectors.base import NotSupported, ShipmentStatus
from connectors.tracking.base import (
    CarrierScan,
    ParcelQuery,
    ParcelTrack,
    PickupPoint,
    PushedTrack,
    PushRefused,
    TrackingProviderError,
)
from connectors.tracking.dhl_statuses import normalise
from connectors.tracking.fields import as_dict, as_list, text
from connectors.tracking.http_calls import default_client, json_body, send
from connectors.tracking.stamps import BERLIN, day_window, is_bare_date, parse_stamp, window

BASE_URL = "https://api-eu.dhl.com"
# Our carrier key → DHL's `service`. post-de (Deutsche Post letters with tracking) is in
# the documented enum; we have no recorded post-de answer.
SERVICES = {"dhl": "parcel-de", "dhl_paket": "parcel-de", "dhl_express": "express",
            "deutsche_post": "post-de"}
CARRIER_OF_SERVICE = {"parcel-de": "dhl", "express": "dhl_express", "post-de": "deutsche_post"}
# parcel-de stamps can come without offset: German local time (carriers.md §1, karrio#439).
# Other services send offsets; a naive stamp from them is read the same way (unverified).
LOCAL_ZONE = BERLIN


class DhlUnified:
    """A merchant's DHL API key (DHL wants each merchant's own key, faq 47001248773)."""

    name = "dhl"
    batch_size = 1
    pushes = False

    def __init__(self, api_key: str, *, base_url: str | None = None, http: httpx.Client | None = None,
                 clock: Callable[[], float] = time.time, language: str = "de"):
        self.api_key = api_key
        self.base_url = (base_url or BASE_URL).rstrip("/")
        self._owns_http = http is None
        self.http = http if http is not None else default_client()
        self.clock = clock
        self.language = language

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def carriers(self) -> frozenset[str]:
        return frozenset({"dhl", "dhl_express", "deutsche_post"})

    def register(self, queries: list[ParcelQuery]) -> dict[str, str | None]:
        """Nothing to register: DHL is asked each time."""
        return {query.tracking_number: None for query in queries}

    def track(self, queries: list[ParcelQuery]) -> list[ParcelTrack]:
        return [self._track_one(query) for query in queries]

    def verify_push(self, headers: dict[str, str], body: bytes) -> list[PushedTrack]:
        raise PushRefused("DHL Shipment Tracking – Unified sends no pushes")

    # -- one call ------------------------------------------------------------------------

    def _track_one(self, query: ParcelQuery) -> ParcelTrack:
        service = SERVICES.get(query.carrier or "")
        if query.carrier and service is None:
            raise NotSupported(f"dhl: cannot track carrier {query.carrier!r}")
        params = {"trackingNumber": query.tracking_number}
        if service:
            params["service"] = service
        if query.destination_postal_code:
            params["recipientPostalCode"] = query.destination_postal_code
        params["language"] = self.language
        response = send(self.http, "GET", f"{self.base_url}/track/shipments", provider="dhl",
                        headers={"DHL-API-Key": self.api_key, "Accept": "application/json"},
                        params=params, clock=self.clock)
        if response.status_code == 404 and _is_problem(response):
            return ParcelTrack(query.tracking_number, found=False)
        if response.status_code != 200:
            raise TrackingProviderError(f"dhl: {response.status_code} {response.text[:200]}")
        body = json_body(response, "dhl")
        shipments = [s for s in (body.get("shipments") or [])
                     if isinstance(s, dict)] if isinstance(body, dict) else []
        if not shipments:
            return ParcelTrack(query.tracking_number, found=False)
        return read_shipment(query, _pick(shipments, query.tracking_number))


def read_shipment(query: ParcelQuery, shipment: dict) -> ParcelTrack:
    """One `shipments[]` entry in our terms."""
    scans = sorted((scan for event in as_list(shipment.get("events")) if (scan := _scan(event)) is not None),
                   key=lambda scan: scan.happened_at)
    current = as_dict(shipment.get("status"))
    code = text(current.get("statusCode"))
    status = normalise(code, current.get("status"), current.get("description"), current.get("remark"))
    if not current and scans:  # no shipment status at all: the newest scan speaks for it
        code, status = scans[-1].code, scans[-1].status
    estimated_from, estimated_to = _estimate(shipment)
    details = as_dict(shipment.get("details"))
    signed = as_dict(as_dict(details.get("proofOfDelivery")).get("signed"))
    signed_by = text(signed.get("name")) or " ".join(
        n for n in (text(signed.get("givenName")), text(signed.get("familyName"))) if n) or None
    pickup = None
    if status is ShipmentStatus.AVAILABLE_FOR_PICKUP:
        where = _address(current.get("location"))
        pickup = PickupPoint(name=None, address=where) if where else None
    ref = shipment.get("id")
    return ParcelTrack(
        tracking_number=query.tracking_number, found=True, status=status, raw_status=code,
        sub_status=text(current.get("status")) or text(current.get("description")),
        scans=tuple(scans), estimated_from=estimated_from, estimated_to=estimated_to,
        pickup_point=pickup, signed_by=signed_by,
        carrier=CARRIER_OF_SERVICE.get(text(shipment.get("service")) or "", query.carrier),
        provider_ref=str(ref) if ref is not None else None)


def _scan(event) -> CarrierScan | None:
    if not isinstance(event, dict):
        return None
    happened_at = parse_stamp(event.get("timestamp"), LOCAL_ZONE)
    if happened_at is None:  # a scan without a time cannot be ordered; DHL always sends one
        return None
    code = text(event.get("statusCode"))  # Express events may lack it: unknown
    return CarrierScan(happened_at=happened_at,
                       status=normalise(code, event.get("status"), event.get("description"),
                                        event.get("remark")),
                       code=code, description=text(event.get("description")) or text(event.get("status")),
                       location=_address(event.get("location")))


def _estimate(shipment: dict):
    frame = as_dict(shipment.get("estimatedDeliveryTimeFrame"))
    if frame.get("estimatedFrom") or frame.get("estimatedThrough"):
        return window(frame.get("estimatedFrom"), frame.get("estimatedThrough"), LOCAL_ZONE)
    eta = shipment.get("estimatedTimeOfDelivery")
    if is_bare_date(eta):
        return day_window(eta, LOCAL_ZONE)
    at = parse_stamp(eta, LOCAL_ZONE)
    return at, at


def _pick(shipments: list[dict], number: str) -> dict:
    """The shipment whose id (or a piece id) is the number asked for; else DHL's first."""
    wanted = number.replace(" ", "").upper()
    for shipment in shipments:
        pieces = as_list(as_dict(shipment.get("details")).get("pieceIds"))
        if str(shipment.get("id", "")).upper() == wanted or wanted in {str(p).upper() for p in pieces}:
            return shipment
    return shipments[0]


def _is_problem(response: httpx.Response) -> bool:
    if "problem+json" in response.headers.get("Content-Type", ""):
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("status") == 404


def _address(place) -> str | None:
    address = as_dict(as_dict(place).get("address"))
    town = " ".join(t for t in (text(address.get("postalCode")), text(address.get("addressLocality"))) if t)
    parts = [p for p in (text(address.get("streetAddress")), town, text(address.get("countryCode"))) if p]
    return ", ".join(parts) or None
