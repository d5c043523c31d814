"""One battery every tracking provider must pass: the same promises, each provider's wire format.

Each provider runs against its fake server on loopback (tests/support/fakes/tracking_providers.py)
through a real httpx client. A new provider joins by adding a `Harness` below.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

import httpx
import pytest

from connectors.base import ShipmentStatus as S
from connectors.tracking import (
    PROVIDERS,
    KeyRefused,
    ParcelQuery,
    ProviderUnavailable,
    PushedTrack,
    PushRefused,
    RateLimited,
)
from tests.support.fakes.tracking_providers import FakeDhl, FakeSeventeenTrack, push_signature

KEY = "test-key-2f9c"
UTC = timezone.utc


@dataclass(frozen=True)
class Harness:
    name: str
    fake: Callable[[str], object]
    carrier: str  # the carrier key our queries name
    in_transit: str  # a payload of a parcel on its way
    delivered: str  # a payload of a delivered parcel
    # payload, the status it maps to (None: found=False), the carrier we ask with (None: `carrier`)
    families: tuple[tuple[str, S | None, str | None], ...]
    ordered: tuple[str, datetime]  # a payload whose scans come unordered, and its oldest scan (UTC)
    rerouted: tuple[str, str | None, str]  # payload, the carrier we asked with, the carrier it answers


HARNESSES = (
    Harness("dhl", FakeDhl, "dhl", "transit.json", "delivered_proof.json", (
        ("pre_transit.json", S.INFO_RECEIVED, None),
        ("transit.json", S.IN_TRANSIT, None),
        ("out_for_delivery.json", S.OUT_FOR_DELIVERY, None),
        ("express_out_for_delivery.json", S.OUT_FOR_DELIVERY, "dhl_express"),
        ("pickup.json", S.AVAILABLE_FOR_PICKUP, None),
        ("delivered_proof.json", S.DELIVERED, "dhl_express"),
        ("delivered_recorded.json", S.DELIVERED, None),
        ("failure_attempt.json", S.ATTEMPT_FAILED, None),
        ("failure_returning.json", S.RETURNING, None),
        ("failure_returned.json", S.RETURNED, None),
        ("failure_other.json", S.EXCEPTION, None),
        ("unknown.json", S.UNKNOWN, None),
        ("unknown_new_code.json", S.UNKNOWN, None),
    ), ("transit.json", datetime(2026, 12, 1, 15, 14, tzinfo=UTC)),  # 16:14 German winter time
        ("express_out_for_delivery.json", None, "dhl_express")),
    Harness("17track", FakeSeventeenTrack, "dhl", "gettrackinfo_in_transit.json",
            "gettrackinfo_delivered.json", (
        ("gettrackinfo_info_received.json", S.INFO_RECEIVED, "fedex"),
        ("gettrackinfo_in_transit.json", S.IN_TRANSIT, None),
        ("gettrackinfo_out_for_delivery.json", S.OUT_FOR_DELIVERY, "gls"),
        ("gettrackinfo_available_for_pickup.json", S.AVAILABLE_FOR_PICKUP, "hermes"),
        ("gettrackinfo_delivery_failure.json", S.ATTEMPT_FAILED, "dpd"),
        ("gettrackinfo_delivered.json", S.DELIVERED, "gls"),
        ("gettrackinfo_exception_returning.json", S.RETURNING, None),
        ("gettrackinfo_exception_returned.json", S.RETURNED, "hermes"),
        ("gettrackinfo_exception_lost.json", S.EXCEPTION, "ups"),
        ("gettrackinfo_expired.json", S.EXCEPTION, "postnl"),
        ("gettrackinfo_not_found.json", None, None),
        ("gettrackinfo_no_info_rejected.json", None, None),
    ), ("gettrackinfo_in_transit.json", datetime(2026, 12, 1, 15, 18, tzinfo=UTC)),
        ("gettrackinfo_rerouted.json", "dpd", "gls")),
)
BY_NAME = {h.name: h for h in HARNESSES}
FAMILIES = [pytest.param(h, payload, status, carrier or h.carrier,
                         id=f"{h.name}-{payload.removesuffix('.json')}")
            for h in HARNESSES for payload, status, carrier in h.families]
NUMBER = "00340434161094042557"


@pytest.fixture(params=HARNESSES, ids=lambda h: h.name)
def harness(request) -> Harness:
    return request.param


@pytest.fixture
def fake(harness):
    with harness.fake(KEY) as server:
        yield server


def provider_for(harness: Harness, fake, *, key: str = KEY, timeout: float = 5.0, clock=None):
    kwargs = {"clock": clock} if clock else {}
    return PROVIDERS[harness.name](key, base_url=fake.base_url, http=httpx.Client(timeout=timeout), **kwargs)


@pytest.mark.parametrize(("harness", "payload", "status", "carrier"), FAMILIES)
def test_every_status_family_maps_to_ours(harness, payload, status, carrier):
    with harness.fake(KEY) as fake:
        fake.put_recorded(NUMBER, payload)
        [track] = provider_for(harness, fake).track([ParcelQuery(NUMBER, carrier)])
    assert track.tracking_number == NUMBER
    if status is None:
        assert track.found is False and track.scans == ()
    else:
        assert (track.found, track.status) == (True, status)
        assert track.raw_status  # the provider's own code is kept
        assert track.carrier == carrier


def test_scans_come_oldest_first_in_utc(harness, fake):
    payload, oldest = harness.ordered
    fake.put_recorded(NUMBER, payload)
    [track] = provider_for(harness, fake).track([ParcelQuery(NUMBER, harness.carrier)])
    stamps = [scan.happened_at for scan in track.scans]
    assert len(stamps) >= 3 and stamps == sorted(stamps)
    assert all(stamp.utcoffset() == timedelta(0) for stamp in stamps)
    assert stamps[0] == oldest


def test_an_unknown_number_is_not_found_rather_than_an_error(harness, fake):
    [track] = provider_for(harness, fake).track([ParcelQuery("00340434000000000000", harness.carrier)])
    assert (track.found, track.status, track.scans) == (False, S.UNKNOWN, ())
    assert fake.calls_for("00340434000000000000") == 1


def test_429_with_retry_after_says_how_long_to_wait(harness, fake):
    fake.answer_429(retry_after=7)
    with pytest.raises(RateLimited) as caught:
        provider_for(harness, fake).track([ParcelQuery(NUMBER, harness.carrier)])
    assert caught.value.retry_after == 7.0


def test_429_without_retry_after_leaves_the_wait_to_the_scheduler(harness, fake):
    fake.answer_429()
    with pytest.raises(RateLimited) as caught:
        provider_for(harness, fake).track([ParcelQuery(NUMBER, harness.carrier)])
    assert caught.value.retry_after is None


def test_retry_after_as_an_http_date_counts_from_the_clock(harness, fake):
    fake.answer_429(retry_after="Fri, 04 Dec 2026 10:00:30 GMT")
    now = datetime(2026, 12, 4, 10, 0, 0, tzinfo=UTC).timestamp()
    with pytest.raises(RateLimited) as caught:
        provider_for(harness, fake, clock=lambda: now).track([ParcelQuery(NUMBER, harness.carrier)])
    assert caught.value.retry_after == 30.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_unavailable(harness, fake, status):
    fake.answer_error(status)
    with pytest.raises(ProviderUnavailable):
        provider_for(harness, fake).track([ParcelQuery(NUMBER, harness.carrier)])


def test_a_provider_slower_than_the_timeout_is_unavailable(harness, fake):
    fake.answer_slowly(1.5)
    with pytest.raises(ProviderUnavailable, match="timed out"):
        provider_for(harness, fake, timeout=0.3).track([ParcelQuery(NUMBER, harness.carrier)])


def test_a_wrong_key_is_refused(harness, fake):
    fake.put_recorded(NUMBER, harness.in_transit)
    with pytest.raises(KeyRefused):
        provider_for(harness, fake, key="wrong-key").track([ParcelQuery(NUMBER, harness.carrier)])
    [track] = provider_for(harness, fake).track([ParcelQuery(NUMBER, harness.carrier)])
    assert track.found  # the same call with the right key works: the fake checks the header exactly


def test_the_track_names_the_carrier_the_provider_tracked_it_with(harness, fake):
    payload, asked_with, answered = harness.rerouted
    fake.put_recorded(NUMBER, payload)
    [track] = provider_for(harness, fake).track([ParcelQuery(NUMBER, asked_with)])
    assert track.found and track.carrier == answered != asked_with


def test_track_splits_a_long_list_into_calls_of_batch_size(harness, fake):
    numbers = [f"0034043416109404{n:04d}" for n in range(41)]
    for number in numbers:
        fake.put_recorded(number, harness.in_transit)
    provider = provider_for(harness, fake)
    tracks = provider.track([ParcelQuery(number, harness.carrier) for number in numbers])
    assert [t.tracking_number for t in tracks] == numbers and all(t.found for t in tracks)
    assert len(fake.requests) == math.ceil(41 / provider.batch_size)
    assert max(len(r["numbers"]) for r in fake.requests) <= provider.batch_size
    assert all(fake.calls_for(number) == 1 for number in numbers)


def test_register_accepts_every_parcel_it_follows(harness, fake):
    fake.put_recorded(NUMBER, harness.in_transit,
                      **({"register": False} if harness.name == "17track" else {}))
    provider = provider_for(harness, fake)
    assert provider.register([ParcelQuery(NUMBER, harness.carrier, tag="shipment-501")]) == {NUMBER: None}
    assert provider.register([ParcelQuery(NUMBER, harness.carrier, tag="shipment-501")]) == {NUMBER: None}
    assert fake.calls_for(NUMBER) == (2 if provider.pushes else 0)  # pull-only: nothing to register


def test_a_push_with_a_bad_or_missing_signature_is_refused(harness, fake):
    body = json.dumps({"event": "TRACKING_UPDATED", "data": {"number": NUMBER}}).encode()
    provider = provider_for(harness, fake)
    for headers in ({}, {"sign": push_signature(body, "another-key")},
                    {"sign": push_signature(body + b" ", KEY)}):
        with pytest.raises(PushRefused):
            provider.verify_push(headers, body)


PUSHERS = [pytest.param(h, id=h.name) for h in HARNESSES if PROVIDERS[h.name].pushes]
PULLERS = [pytest.param(h, id=h.name) for h in HARNESSES if not PROVIDERS[h.name].pushes]


@pytest.mark.parametrize("harness", PUSHERS)
def test_a_signed_push_reads_as_the_same_track_as_a_poll(harness, fake):
    fake.put_recorded(NUMBER, harness.delivered, tag="shipment-501")
    provider = provider_for(harness, fake)
    headers, body = fake.push_body(NUMBER)
    [pushed] = provider.verify_push(headers, body)
    [polled] = provider.track([ParcelQuery(NUMBER, harness.carrier)])
    assert pushed == PushedTrack(track=polled, tag="shipment-501", stopped=False)
    assert pushed.track.status is S.DELIVERED


@pytest.mark.parametrize("harness", PUSHERS)
def test_the_same_push_twice_reads_the_same_twice(harness, fake):
    fake.put_recorded(NUMBER, harness.in_transit, tag="shipment-501")
    provider = provider_for(harness, fake)
    headers, body = fake.push_body(NUMBER)
    first, second = provider.verify_push(headers, body), provider.verify_push(dict(headers), body)
    assert first == second and len(first) == 1  # dedupe is the app's job


@pytest.mark.parametrize("harness", PUSHERS)
def test_a_stopped_push_says_tracking_stopped(harness, fake):
    fake.put_recorded(NUMBER, harness.delivered, tag="shipment-501")
    headers, body = fake.push_body(NUMBER, "TRACKING_STOPPED")
    [pushed] = provider_for(harness, fake).verify_push(headers, body)
    assert (pushed.stopped, pushed.tag, pushed.track.tracking_number, pushed.track.found) == (
        True, "shipment-501", NUMBER, False)


@pytest.mark.parametrize("harness", PULLERS)
def test_a_pull_only_provider_refuses_every_push(harness, fake):
    body = b'{"event":"TRACKING_UPDATED","data":{"number":"1"}}'
    with pytest.raises(PushRefused):
        provider_for(harness, fake).verify_push({"sign": push_signature(body, KEY)}, body)


def test_every_provider_names_the_carriers_it_tracks(harness):
    provider = PROVIDERS[harness.name](KEY)
    try:
        assert harness.carrier in provider.carriers()
        assert provider.batch_size >= 1 and provider.name == harness.name
    finally:
        provider.close()
