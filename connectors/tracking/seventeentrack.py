"""17TRACK Tracking API v2.2: many carriers through one account, ≤40 numbers a call, pushes.

Wire facts: ../shared/reference/carriers.md §2. `POST {base}/track/v2.2/<endpoint>`,
header `17token`, a JSON array body. `register` starts tracking (costs quota; an already
registered number, -18019901, counts as accepted); `gettrackinfo` reads what 17TRACK knows
(free). Envelope `{"code": 0, "data": {"accepted": [...], "rejected": [...]}}`; a whole-call
failure is `code ≠ 0` with `data.errors[]` (**unverified** shape: codes are read from both).
Pushes carry `sign` = lowercase hex sha256(raw body + "/" + api key) (**unverified** against
17TRACK's own page: taken from two public clients, see carriers.md).
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping

import httpx

from connectors.base import MalformedPayload, ShipmentStatus
from connectors.signature import same_secret
from connectors.tracking.base import (
    CarrierScan,
    KeyRefused,
    ParcelQuery,
    ParcelTrack,
    PickupPoint,
    PushedTrack,
    PushRefused,
    RateLimited,
    TrackingProviderError,
)
from connectors.tracking.fields import as_dict, dicts, text
from connectors.tracking.http_calls import default_client, json_body, send
from connectors.tracking.seventeentrack_statuses import (
    ALREADY_REGISTERED,
    CARRIER_CODES,
    KEY_REFUSED,
    QUOTA,
    carrier_code,
    carrier_key,
    event_status,
    normalise,
)
from connectors.tracking.stamps import parse_stamp, window

BASE_URL = "https://api.17track.net"
API_PATH = "/track/v2.2"
MAX_NUMBERS = 40


class SeventeenTrack:
    name = "17track"
    batch_size = MAX_NUMBERS
    pushes = True

    def __init__(self, api_key: str, *, base_url: str | None = None, http: httpx.Client | None = None,
                 clock: Callable[[], float] = time.time):
        self.api_key = api_key
        self.base_url = (base_url or BASE_URL).rstrip("/")
        self._owns_http = http is None
        self.http = http if http is not None else default_client()
        self.clock = clock

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def carriers(self) -> frozenset[str]:
        return frozenset(CARRIER_CODES)

    def register(self, queries: list[ParcelQuery]) -> dict[str, str | None]:
        """Follow these parcels (one call per 40). A number 17TRACK already follows is accepted."""
        outcome: dict[str, str | None] = {}
        for chunk in _chunks(queries, self.batch_size):
            data = self._post("register", [_wire_item(query, with_tag=True) for query in chunk])
            for item in dicts(data.get("accepted")):
                outcome[str(item.get("number"))] = None
            for item in dicts(data.get("rejected")):
                code, message = _error_of(item)
                _raise_for_account(code, message)
                outcome[str(item.get("number"))] = (None if code == ALREADY_REGISTERED
                                                    else f"{code}: {message}")
            for query in chunk:
                outcome.setdefault(query.tracking_number, "17TRACK did not answer for this number")
        return outcome

    def track(self, queries: list[ParcelQuery]) -> list[ParcelTrack]:
        """What 17TRACK knows now, one call per 40 numbers. A number 17TRACK rejects
        (not registered -18019902, no information yet -18019909, carrier not detected
        -18019903) is `found=False` with the code as `raw_status` and its message as `sub_status`."""
        tracks: list[ParcelTrack] = []
        for chunk in _chunks(queries, self.batch_size):
            data = self._post("gettrackinfo", [_wire_item(query, with_tag=False) for query in chunk])
            accepted = {_key(item.get("number")): item for item in dicts(data.get("accepted"))}
            rejected = {_key(item.get("number")): item for item in dicts(data.get("rejected"))}
            for query in chunk:
                key = _key(query.tracking_number)
                if key in accepted:
                    tracks.append(read_item(query, accepted[key]))
                elif key in rejected:
                    code, message = _error_of(rejected[key])
                    _raise_for_account(code, message)
                    tracks.append(ParcelTrack(query.tracking_number, found=False,
                                              raw_status=str(code) if code is not None else None,
                                              sub_status=message or None))
                else:
                    tracks.append(ParcelTrack(query.tracking_number, found=False))
        return tracks

    def verify_push(self, headers: Mapping[str, str], body: bytes) -> list[PushedTrack]:
        """A webhook body whose `sign` verifies, read; PushRefused otherwise. Deduplication is the app's."""
        received = _header(headers, "sign")
        if not received:
            raise PushRefused("17track push without a sign header")
        expected = hashlib.sha256(body + b"/" + self.api_key.encode()).hexdigest()
        if not same_secret(received.strip(), expected):
            raise PushRefused("17track push: the sign header does not match")
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise MalformedPayload(f"17track push: not JSON ({exc})") from None
        data = payload.get("data") if isinstance(payload, dict) else None
        if (not isinstance(data, dict) or not isinstance(data.get("number"), str)
                or not data["number"].strip()):
            raise MalformedPayload("17track push: no data.number")
        query = ParcelQuery(data["number"], carrier=carrier_key(data.get("carrier")))
        tag = data.get("tag") if isinstance(data.get("tag"), str) and data.get("tag") else None
        event = payload.get("event")
        if event == "TRACKING_UPDATED":
            return [PushedTrack(read_item(query, data), tag=tag)]
        if event == "TRACKING_STOPPED":  # no track_info: only "17TRACK no longer follows it"
            return [PushedTrack(ParcelTrack(query.tracking_number, found=False, carrier=query.carrier),
                                tag=tag, stopped=True)]
        return []  # an event we do not know: acknowledged, nothing to store

    # -- transport -----------------------------------------------------------------------

    def _post(self, endpoint: str, body: list[dict]) -> dict:
        response = send(self.http, "POST", f"{self.base_url}{API_PATH}/{endpoint}", provider="17track",
                        headers={"17token": self.api_key, "Content-Type": "application/json"},
                        json=body, clock=self.clock)
        if response.status_code != 200:
            raise TrackingProviderError(f"17track {endpoint}: {response.status_code} {response.text[:200]}")
        envelope = json_body(response, "17track")
        if not isinstance(envelope, dict):
            raise TrackingProviderError(f"17track {endpoint}: not an envelope: {response.text[:200]}")
        data = envelope.get("data")
        if not isinstance(data, dict):
            data = {}
        code = envelope.get("code")
        if code != 0:
            errors = [(code, "")] + [_error_of({"error": e}) for e in dicts(data.get("errors"))]
            for error_code, message in errors:
                _raise_for_account(error_code, message)
            raise TrackingProviderError(f"17track {endpoint}: code {code} {errors[1:]}")
        return data


def read_item(query: ParcelQuery, item: Mapping) -> ParcelTrack:
    """One `accepted[]` item (or a push's `data`) in our terms."""
    info = as_dict(item.get("track_info"))
    latest = as_dict(info.get("latest_status"))
    raw, sub = text(latest.get("status")), text(latest.get("sub_status"))
    providers = dicts(as_dict(info.get("tracking")).get("providers"))
    # The first provider is taken as the one tracking the parcel now (17TRACK lists the
    # last-mile carrier first when there are two; unverified). Its key beats the item's.
    provider_code = as_dict(providers[0].get("provider")).get("key") if providers else None
    carrier = carrier_key(provider_code) or carrier_key(item.get("carrier")) or query.carrier
    if not info or raw in (None, "NotFound"):
        return ParcelTrack(query.tracking_number, found=False, raw_status=raw, sub_status=sub,
                           carrier=carrier)
    scans = _scans(providers)
    status = normalise(raw, sub)
    estimate = as_dict(as_dict(info.get("time_metrics")).get("estimated_delivery_date"))
    estimated_from, estimated_to = window(estimate.get("from"), estimate.get("to"))
    pickup = None
    if status is ShipmentStatus.AVAILABLE_FOR_PICKUP:
        where = _place(as_dict(info.get("latest_event")))
        pickup = PickupPoint(name=None, address=where) if where else None
    return ParcelTrack(
        tracking_number=query.tracking_number, found=True, status=status, raw_status=raw, sub_status=sub,
        scans=scans, estimated_from=estimated_from, estimated_to=estimated_to, pickup_point=pickup,
        carrier=carrier)


def _scans(providers: list[dict]) -> tuple[CarrierScan, ...]:
    """Every provider's events, oldest first by `time_utc` (`time_iso` when it is missing)."""
    seen, scans = set(), []
    for provider in providers:
        for event in dicts(provider.get("events")):
            happened_at = parse_stamp(event.get("time_utc")) or parse_stamp(event.get("time_iso"))
            if happened_at is None:
                continue
            description = text(event.get("description"))
            if (happened_at, description) in seen:
                continue
            seen.add((happened_at, description))
            sub = text(event.get("sub_status"))
            scans.append(CarrierScan(happened_at=happened_at,
                                     status=event_status(sub, text(event.get("stage"))),
                                     code=sub or text(event.get("stage")), description=description,
                                     location=_place(event)))
    return tuple(sorted(scans, key=lambda scan: scan.happened_at))


def _place(event: dict) -> str | None:
    if text(event.get("location")):
        return text(event.get("location"))
    address = as_dict(event.get("address"))
    town = " ".join(t for t in (text(address.get("postal_code")), text(address.get("city"))) if t)
    parts = [p for p in (text(address.get("street")), town, text(address.get("country"))) if p]
    return ", ".join(parts) or None


def _wire_item(query: ParcelQuery, *, with_tag: bool) -> dict:
    item: dict = {"number": query.tracking_number}
    code = carrier_code(query.carrier)
    if code is not None:
        item["carrier"] = code
    if with_tag and query.tag:
        item["tag"] = query.tag
    return item


def _raise_for_account(code, message: str) -> None:
    if code in KEY_REFUSED:
        raise KeyRefused(f"17track: {code} {message}")
    if code in QUOTA:
        raise RateLimited(f"17track: quota ({code} {message})", None)


def _error_of(item: Mapping) -> tuple[int | None, str]:
    error = as_dict(item.get("error"))
    code = error.get("code")
    return (code if isinstance(code, int) else None), str(error.get("message") or "")


def _chunks(queries: list[ParcelQuery], size: int):
    for start in range(0, len(queries), size):
        yield queries[start:start + size]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _key(number) -> str:
    return str(number or "").replace(" ", "").upper()
