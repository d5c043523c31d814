"""17TRACK v2.2 in detail: the bodies it sends, register's answers, quota and key codes, the
details of a track, and pushes from the recorded bodies. The shared promises are in
test_tracking_provider_contract.py."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import httpx
import pytest

from connectors.base import MalformedPayload
from connectors.base import ShipmentStatus as S
from connectors.tracking import (
    KeyRefused,
    ParcelQuery,
    PushedTrack,
    RateLimited,
    SeventeenTrack,
    TrackingProviderError,
)
from connectors.tracking.seventeentrack_statuses import event_status, normalise
from tests.support.fakes.tracking_providers import (
    PAYLOADS,
    Failure,
    FakeSeventeenTrack,
    push_signature,
    recorded,
)

KEY = "17track-key-93b0"
UTC = timezone.utc


@pytest.fixture
def fake():
    with FakeSeventeenTrack(KEY) as server:
        yield server


def client(fake) -> SeventeenTrack:
    return SeventeenTrack(KEY, base_url=fake.base_url, http=httpx.Client(timeout=5))


def sent(fake) -> list:
    return [(r["path"], r["headers"].get("17Token")) for r in fake.requests]


def test_register_and_gettrackinfo_send_json_arrays_with_our_carrier_codes(fake):
    fake.put_recorded("00340434161094042557", "gettrackinfo_in_transit.json", register=False)
    provider = client(fake)
    provider.register([ParcelQuery("00340434161094042557", "dhl", tag="shipment-501"),
                       ParcelQuery("XX0000", "some-local-courier", tag="shipment-504")])
    provider.track([ParcelQuery("00340434161094042557", "dhl")])
    assert sent(fake) == [("/track/v2.2/register", KEY), ("/track/v2.2/gettrackinfo", KEY)]
    assert fake.registered["00340434161094042557"] == {"carrier": 7041, "tag": "shipment-501"}
    assert "XX0000" not in fake.registered  # no carrier code sent, and the fake cannot detect one


def test_the_recorded_register_answer_counts_already_registered_as_accepted(fake):
    fake.fail_next.append(Failure(200, body=recorded("17track", "register_mixed.json")))
    queries = [ParcelQuery(n, None, tag=f"shipment-50{i}") for i, n in enumerate(
        ["00340434161094042557", "671234509876", "01234567890123", "XX0000"], start=1)]
    assert client(fake).register(queries) == {
        "00340434161094042557": None, "671234509876": None, "01234567890123": None,
        "XX0000": "-18019903: Carrier cannot be detected."}


def test_a_used_up_quota_is_rate_limited_without_a_wait(fake):
    fake.put_recorded("671234509876", "gettrackinfo_delivered.json", register=False)
    fake.quota_left = 0
    with pytest.raises(RateLimited) as caught:
        client(fake).register([ParcelQuery("671234509876", "gls")])
    assert caught.value.retry_after is None


@pytest.mark.parametrize("body", [
    {"code": -18010002, "data": None},
    {"code": -18010001, "data": {"errors": [{"code": -18010001, "message": "IP not on the allow-list."}]}},
])
def test_a_key_refusal_inside_a_200_envelope_is_refused(fake, body):
    fake.fail_next.append(Failure(200, body=body))
    with pytest.raises(KeyRefused):
        client(fake).track([ParcelQuery("671234509876", "gls")])


def test_a_whole_call_failure_we_do_not_know_is_an_error(fake):
    fake.fail_next.append(Failure(200, body={"code": -18010013, "data": {"errors": [
        {"code": -18010013, "message": "Submitted data is invalid."}]}}))
    with pytest.raises(TrackingProviderError, match="-18010013"):
        client(fake).track([ParcelQuery("671234509876", "gls")])


def test_the_fake_refuses_more_than_forty_numbers_like_17track(fake):
    body = [{"number": f"67123450{n:04d}"} for n in range(41)]
    answer = httpx.post(f"{fake.base_url}/track/v2.2/gettrackinfo", json=body,
                        headers={"17token": KEY}).json()
    assert answer["code"] == -18010014


def test_an_unregistered_number_is_not_found_with_the_reason(fake):
    [track] = client(fake).track([ParcelQuery("671234509876", "gls")])
    assert (track.found, track.raw_status) == (False, "-18019902")
    assert "register" in track.sub_status


def test_a_track_in_transit_in_detail(fake):
    fake.put_recorded("00340434161094042557", "gettrackinfo_in_transit.json")
    [track] = client(fake).track([ParcelQuery("00340434161094042557", "dhl")])
    assert (track.status, track.raw_status, track.sub_status, track.carrier) == (
        S.IN_TRANSIT, "InTransit", "InTransit_Arrival", "dhl")
    assert [(s.status, s.code) for s in track.scans] == [
        (S.INFO_RECEIVED, "InfoReceived"), (S.IN_TRANSIT, "InTransit_PickedUp"),
        (S.IN_TRANSIT, "InTransit_Departure"), (S.IN_TRANSIT, "InTransit_Arrival")]
    assert track.scans[-1].location == "Regensburg"
    # a bare estimated date: that whole day
    assert (track.estimated_from, track.estimated_to) == (
        datetime(2026, 12, 4, tzinfo=UTC), datetime(2026, 12, 4, 23, 59, 59, tzinfo=UTC))


def test_an_estimated_window_with_offsets(fake):
    fake.put_recorded("671234509876", "gettrackinfo_out_for_delivery.json")
    [track] = client(fake).track([ParcelQuery("671234509876", "gls")])
    assert (track.estimated_from, track.estimated_to) == (
        datetime(2026, 12, 6, 9, 0, tzinfo=UTC), datetime(2026, 12, 6, 12, 0, tzinfo=UTC))


def test_a_parcel_ready_for_pickup_says_where(fake):
    fake.put_recorded("H1001990123456789012", "gettrackinfo_available_for_pickup.json")
    [track] = client(fake).track([ParcelQuery("H1001990123456789012", "hermes")])
    assert track.pickup_point.address == "Hermes PaketShop, Hauptstr. 5, 90402 Nürnberg"


def test_the_recorded_push_bodies_verify_and_read(fake):
    provider = client(fake)
    updated = (PAYLOADS / "17track" / "push_tracking_updated.json").read_bytes()
    stopped = (PAYLOADS / "17track" / "push_tracking_stopped.json").read_bytes()
    [pushed] = provider.verify_push({"Sign": push_signature(updated, KEY)}, updated)  # header name: any case
    assert (pushed.tag, pushed.stopped) == ("order-1060", False)
    assert (pushed.track.found, pushed.track.status, pushed.track.carrier) == (True, S.DELIVERED, "gls")
    [ended] = provider.verify_push({"sign": push_signature(stopped, KEY)}, stopped)
    assert ended == PushedTrack(track=ended.track, tag="order-1060", stopped=True)
    assert fake.requests == []  # reading a push asks 17TRACK nothing


@pytest.mark.parametrize("body", [b"{not json", b'{"event":"TRACKING_UPDATED","data":{"tag":"x"}}', b"[]"])
def test_a_signed_push_that_is_not_a_push_is_malformed(fake, body):
    with pytest.raises(MalformedPayload):
        client(fake).verify_push({"sign": push_signature(body, KEY)}, body)


def test_a_signed_push_of_an_event_we_do_not_know_is_acknowledged_and_ignored(fake):
    body = json.dumps({"event": "TRACKING_SOMETHING_NEW", "data": {"number": "671234509876"}}).encode()
    assert client(fake).verify_push({"sign": push_signature(body, KEY)}, body) == []


@pytest.mark.parametrize(("status", "sub_status", "ours"), [
    ("Exception", "Exception_Returning", S.RETURNING),
    ("Exception", "Exception_Returned", S.RETURNED),
    ("Exception", "Exception_Damage", S.EXCEPTION),
    ("Expired", "Expired_Other", S.EXCEPTION),
    ("DeliveryFailure", "DeliveryFailure_Security", S.ATTEMPT_FAILED),
    ("InTransit", "InTransit_CustomsProcessing", S.IN_TRANSIT),
    ("SomethingNew", None, S.UNKNOWN),
    (None, "OutForDelivery_Other", S.OUT_FOR_DELIVERY),
])
def test_status_table(status, sub_status, ours):
    assert normalise(status, sub_status) is ours


def test_an_event_without_sub_status_is_read_from_its_stage():
    assert event_status(None, "Returned") is S.RETURNED
    assert event_status(None, "") is S.UNKNOWN
