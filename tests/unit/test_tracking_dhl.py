"""DHL Shipment Tracking – Unified in detail: the request it sends, the recorded answer, times,
windows, proof of delivery, and the phrase table. The shared promises are in
test_tracking_provider_contract.py."""
from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from connectors.base import NotSupported
from connectors.base import ShipmentStatus as S
from connectors.tracking import DhlUnified, ParcelQuery, TrackingProviderError
from connectors.tracking.dhl_statuses import normalise
from tests.support.fakes.tracking_providers import FakeDhl, recorded

KEY = "dhl-key-7a1e"
UTC = timezone.utc


@pytest.fixture
def fake():
    with FakeDhl(KEY) as server:
        yield server


def dhl(fake, base_url=None) -> DhlUnified:
    return DhlUnified(KEY, base_url=base_url or fake.base_url, http=httpx.Client(timeout=5))


def one(fake, number, carrier="dhl", **query):
    [track] = dhl(fake).track([ParcelQuery(number, carrier, **query)])
    return track


def test_the_request_names_the_service_the_postcode_and_the_language(fake):
    fake.put_recorded("00340434161094042557", "pre_transit.json")
    fake.put_recorded("4825913702", "delivered_proof.json")
    one(fake, "00340434161094042557", "dhl", destination_postal_code="50667")
    one(fake, "4825913702", "dhl_express")
    one(fake, "4825913702", None)
    asked = [(r["params"], r["headers"].get("Dhl-Api-Key")) for r in fake.requests]
    assert asked == [
        ({"trackingNumber": "00340434161094042557", "service": "parcel-de", "recipientPostalCode": "50667",
          "language": "de"}, KEY),
        ({"trackingNumber": "4825913702", "service": "express", "language": "de"}, KEY),
        ({"trackingNumber": "4825913702", "language": "de"}, KEY),  # carrier unknown: DHL picks
    ]


def test_a_carrier_dhl_does_not_carry_is_refused_without_a_call(fake):
    with pytest.raises(NotSupported):
        one(fake, "01234567890123", "dpd")
    assert fake.requests == []


def test_the_recorded_answer_reads_in_order_and_in_utc(fake):
    fake.put_recorded("470800204932", "delivered_recorded.json")
    track = one(fake, "470800204932")
    assert (track.status, track.raw_status, track.sub_status) == (
        S.DELIVERED, "delivered", "Die Sendung wurde zugestellt.")
    assert (track.carrier, track.provider_ref) == ("dhl", "470800204932")
    assert len(track.scans) == 10
    first, last = track.scans[0], track.scans[-1]
    # Naive German winter time: 16:14 in Berlin is 15:14 UTC; the pre-transit scan stamped
    # 16:18 comes after it although DHL lists it before.
    assert (first.happened_at, first.code, first.location) == (
        datetime(2023, 3, 1, 15, 14, tzinfo=UTC), "transit", "Deutschland")
    assert track.scans[1].status is S.INFO_RECEIVED
    assert [s.status for s in track.scans].count(S.OUT_FOR_DELIVERY) == 1
    assert (last.status, last.happened_at) == (S.DELIVERED, datetime(2023, 3, 13, 8, 50, tzinfo=UTC))


def test_a_naive_summer_stamp_is_two_hours_ahead_of_utc(fake):
    body = recorded("dhl", "pre_transit.json")
    body["shipments"][0]["events"][0]["timestamp"] = "2026-07-01T16:18:00"
    fake.put("00340434161094042557", body)
    assert one(fake, "00340434161094042557").scans[0].happened_at == datetime(2026, 7, 1, 14, 18, tzinfo=UTC)


def test_delivery_windows_from_a_time_frame_a_bare_date_and_a_time(fake):
    fake.put_recorded("1", "out_for_delivery.json")
    fake.put_recorded("2", "transit.json")
    fake.put_recorded("3", "express_out_for_delivery.json")
    framed, day, timed = one(fake, "1"), one(fake, "2"), one(fake, "3", "dhl_express")
    assert (framed.estimated_from, framed.estimated_to) == (
        datetime(2026, 12, 4, 12, 20, tzinfo=UTC), datetime(2026, 12, 4, 13, 50, tzinfo=UTC))
    assert (day.estimated_from, day.estimated_to) == (  # the whole German day
        datetime(2026, 12, 3, 23, 0, tzinfo=UTC), datetime(2026, 12, 4, 22, 59, 59, tzinfo=UTC))
    assert timed.estimated_from == timed.estimated_to == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)


def test_proof_of_delivery_names_who_signed(fake):
    fake.put_recorded("4825913702", "delivered_proof.json")
    track = one(fake, "4825913702", "dhl_express")
    assert (track.status, track.signed_by, track.carrier) == (S.DELIVERED, "Jana Becker", "dhl_express")


def test_a_parcel_ready_for_pickup_says_where(fake):
    fake.put_recorded("00340434161094042588", "pickup.json")
    track = one(fake, "00340434161094042588")
    assert track.status is S.AVAILABLE_FOR_PICKUP
    assert track.pickup_point.address == "Breite Str. 6-26, 50667 Köln, DE"
    # "wird zur Abholung in die Filiale gebracht" is not ready yet
    assert [s.status for s in track.scans] == [S.IN_TRANSIT, S.IN_TRANSIT, S.AVAILABLE_FOR_PICKUP]


def test_express_events_without_a_status_code_still_become_scans(fake):
    fake.put_recorded("4825913702", "express_out_for_delivery.json")
    track = one(fake, "4825913702", "dhl_express")
    assert track.status is S.OUT_FOR_DELIVERY  # from the shipment's own status, which has a code
    assert [(s.code, s.status) for s in track.scans] == [(None, S.UNKNOWN)] * 3  # no code: no guess
    assert track.scans[-1].description == "Shipment is out with courier for delivery"
    assert track.scans[0].happened_at == datetime(2026, 12, 3, 20, 31, tzinfo=UTC)  # nanoseconds, offset


def test_a_404_that_is_no_problem_document_is_an_error_not_a_fresh_number(fake):
    with pytest.raises(TrackingProviderError):
        dhl(fake, base_url=f"{fake.base_url}/wrong-prefix").track([ParcelQuery("1", "dhl")])


@pytest.mark.parametrize(("code", "text", "status"), [
    ("transit", "Die Sendung wurde in das Zustellfahrzeug geladen.", S.OUT_FOR_DELIVERY),
    ("transit", "The shipment has been loaded onto the delivery vehicle", S.OUT_FOR_DELIVERY),
    ("transit", "Shipment is out with courier for delivery", S.OUT_FOR_DELIVERY),
    ("transit", "Die Sendung liegt in der PACKSTATION 123 zur Abholung bereit.", S.AVAILABLE_FOR_PICKUP),
    ("transit", "The shipment is ready for pick-up at the PACKSTATION", S.AVAILABLE_FOR_PICKUP),
    ("transit", "Die Sendung wurde im Ziel-Paketzentrum bearbeitet.", S.IN_TRANSIT),
    ("failure", "Der Empfänger wurde nicht angetroffen.", S.ATTEMPT_FAILED),
    ("failure", "The shipment could not be delivered", S.ATTEMPT_FAILED),
    ("failure", "The shipment is being returned to sender", S.RETURNING),
    ("failure", "Die Rücksendung wurde an den Absender zugestellt.", S.RETURNED),
    ("failure", "Die Sendung wurde beim Zoll angehalten.", S.EXCEPTION),
    ("delivered", "Die Rücksendung wurde an den Absender zugestellt.", S.RETURNED),
    ("delivered", "Die Sendung wurde zugestellt.", S.DELIVERED),
    # phrases only under transit
    ("pre-transit", "Die Sendung wurde in das Zustellfahrzeug geladen.", S.INFO_RECEIVED),
    (None, "Die Sendung wurde in das Zustellfahrzeug geladen.", S.UNKNOWN),
    ("reached-hub", "A code DHL has not documented", S.UNKNOWN),
])
def test_status_codes_and_phrases(code, text, status):
    assert normalise(code, text) is status
