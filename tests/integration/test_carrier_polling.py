"""Carrier polling: the schedule, the provider choice, batching, rate limits and failures, end to end."""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.domain.arrival.poll_schedule import MAX_JITTER, interval, jitter_fraction, next_poll
from app.domain.arrival.tracking_choice import KeyChoice, choose, fingerprint, usable_keys
from app.domain.privacy.lifecycle import export_customer_data, redact_customer
from app.extensions import db, queues
from app.models import (
    MessageState,
    Order,
    ScheduledMessage,
    Shipment,
    TrackingProviderKey,
    TrackingUsage,
)
from connectors.base import ShipmentStatus as S
from tests.integration.test_woocommerce_webhooks import wc_headers
from tests.support.factories import set_module
from tests.support.payload_files import load_payload
from tests.support.tracking_setup import DHL_KEY, dhl_body, due_parcel, poll
from tests.support.tracking_setup import NOW as REAL_NOW

H = timedelta(hours=1)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)  # a Wednesday, 10:00 in Berlin: no night in reach
DPD = "01234567890123"  # 14 digits: DPD or Hermes; the platform names the carrier


# ---- the schedule ---------------------------------------------------------------------

@pytest.mark.parametrize("status,age,pushed,provider,expected", [
    (S.INFO_RECEIVED, H, False, None, 12 * H),
    (S.PENDING, H, False, None, 12 * H),
    (S.IN_TRANSIT, H, False, None, 6 * H),
    (S.OUT_FOR_DELIVERY, H, False, None, H),
    (S.AVAILABLE_FOR_PICKUP, H, False, None, H),
    (S.ATTEMPT_FAILED, H, False, None, 4 * H),
    (S.EXCEPTION, H, False, None, 4 * H),
    (S.UNKNOWN, H, False, None, 2 * H),  # not found yet, first day
    (S.UNKNOWN, 30 * H, False, None, 12 * H),  # still not found after a day
    (S.OUT_FOR_DELIVERY, H, True, "17track", 24 * H),  # a pushing provider: the daily safety net
    (S.OUT_FOR_DELIVERY, H, False, "dhl", 2.4 * H),  # DHL: at most 10 fetches per parcel a day
    (S.IN_TRANSIT, H, False, "dhl", 6 * H),
])
def test_interval_by_state(status, age, pushed, provider, expected):
    assert interval(status, age, pushed=pushed, provider=provider) == expected


@pytest.mark.parametrize("status", [S.DELIVERED, S.RETURNED, S.CANCELLED])
def test_final_states_are_never_asked_again(status):
    assert next_poll(7, status, NOW, NOW - H) is None


def test_given_up_thirty_days_after_shipping():
    assert next_poll(7, S.IN_TRANSIT, NOW, NOW - timedelta(days=30)) is None
    almost = next_poll(7, S.UNKNOWN, NOW, NOW - timedelta(days=29, hours=23))
    # the last look is the give-up moment
    assert almost == NOW - timedelta(days=29, hours=23) + timedelta(days=30)


def test_jitter_is_stable_bounded_and_never_early():
    for shipment_id in (1, 2, 99, 123456):
        at = next_poll(shipment_id, S.IN_TRANSIT, NOW, NOW - H)
        assert at == next_poll(shipment_id, S.IN_TRANSIT, NOW, NOW - H)
        assert NOW + 6 * H <= at < NOW + 6 * H * (1 + MAX_JITTER)


def test_nights_are_quiet_a_look_due_at_night_comes_the_next_morning():
    evening = datetime(2026, 11, 25, 19, 0, tzinfo=timezone.utc)  # 20:00 in Berlin; +6 h is 02:00
    at = next_poll(7, S.IN_TRANSIT, evening, evening - H)
    assert datetime(2026, 11, 26, 5, 0, tzinfo=timezone.utc) <= at < datetime(2026, 11, 26, 6, 0,
                                                                              tzinfo=timezone.utc)
    # the shop's own night
    assert next_poll(7, S.IN_TRANSIT, evening, evening - H, zone="America/New_York") < at
    mornings = Counter(next_poll(i, S.OUT_FOR_DELIVERY, evening + 2 * H, evening)
                       .replace(second=0, microsecond=0)
                       for i in range(1, 10_001))
    assert max(mornings.values()) / 10_000 <= 0.03  # spread over the first hour of the morning


def test_jitter_spreads_ten_thousand_parcels_answered_in_the_same_minute():
    minutes = Counter(next_poll(i, S.IN_TRANSIT, NOW, NOW - H).replace(second=0, microsecond=0)
                      for i in range(1, 10_001))
    assert len(minutes) >= 70  # over the 72 minutes of 20 % of six hours
    assert max(minutes.values()) / 10_000 <= 0.02
    fresh = Counter(next_poll(i, S.UNKNOWN, NOW, NOW).replace(second=0, microsecond=0) for i
                    in range(1, 10_001))
    assert max(fresh.values()) / 10_000 <= 0.05  # even the 2-hour first-day look: 24 minutes wide
    assert 0 <= min(jitter_fraction(i) for i in range(1, 10_001)) < max(jitter_fraction(i) for i
                                                                        in range(1, 10_001))


# ---- which provider -------------------------------------------------------------------

def test_dhl_parcels_go_to_dhl_with_the_shops_own_key_first():
    keys = usable_keys({"dhl": ("own-dhl-key", None)}, {"dhl": "app-dhl", "17track": "app-17"})
    assert choose("dhl", keys) == KeyChoice("dhl", "own-dhl-key", own=True)
    assert choose("deutsche_post", keys).provider == "dhl"
    assert choose("dpd", keys) == KeyChoice("17track", "app-17")
    assert choose(None, keys).provider == "17track"  # a number we cannot place: the aggregator detects it


def test_without_a_dhl_key_dhl_parcels_go_to_17track_and_without_keys_nowhere():
    assert choose("dhl", usable_keys({}, {"17track": "app-17"})).provider == "17track"
    assert choose("dhl", usable_keys({}, {})) is None
    assert choose("gls", usable_keys({}, {"dhl": "app-dhl"})) is None


def test_a_refused_key_is_not_used():
    keys = usable_keys({"dhl": ("own", "refused by dhl: 401")}, {"dhl": "app-dhl"})
    assert choose("dhl", keys) == KeyChoice("dhl", "app-dhl")
    assert choose("dhl", usable_keys({}, {"dhl": "app-dhl"}, refused={fingerprint("app-dhl")})) is None


def test_the_provider_following_a_parcel_stays_while_usable():
    keys = usable_keys({}, {"dhl": "app-dhl", "17track": "app-17"})
    assert choose("dhl", keys, current="17track").provider == "17track"
    assert choose("dhl", usable_keys({}, {"dhl": "app-dhl"}), current="17track").provider == "dhl"


# ---- the poller against the fake providers --------------------------------------------

def _due(shop, number: str, **kwargs) -> Shipment:
    return due_parcel(shop, number, now=NOW, **kwargs)


def _paths(fake) -> list[str]:
    return [r["path"] for r in fake.requests]


def test_41_parcels_are_registered_with_17track_in_two_calls(shop, fake_17track):
    parcels = [_due(shop, f"0123456789{i:04d}", carrier="DPD", order_id=f"o{i}") for i in range(41)]
    counts = poll(NOW)
    assert _paths(fake_17track) == ["/track/v2.2/register"] * 2
    assert sorted(len(r["numbers"]) for r in fake_17track.requests) == [1, 40]
    assert counts["calls"] == 2 and counts["lookups"] == 41
    registered = db.session.get(Shipment, parcels[0].id)
    assert registered.tracking_provider == "17track" and registered.registered_at == NOW
    assert registered.poll_count == 1
    assert NOW + 24 * H <= registered.next_poll_at <= NOW + 24 * H * 1.2  # pushes come; polling is the net
    assert fake_17track.registered[parcels[0].tracking_number]["tag"] == str(parcels[0].id)
    usage = db.session.scalars(select(TrackingUsage)).one()
    assert (usage.provider, usage.calls, usage.lookups) == ("17track", 2, 41)
    assert poll(NOW + H)["calls"] == 0  # nothing due until the safety net


def test_only_due_parcels_of_installed_shops_are_asked(shop, fake_dhl):
    due = _due(shop, "00340434161094042557", carrier="DHL", order_id="a")
    later = _due(shop, "00340434161094042564", carrier="DHL", order_id="b")
    later.next_poll_at = NOW + H
    db.session.commit()
    poll(NOW)
    assert fake_dhl.calls_for(due.tracking_number) == 1 and fake_dhl.calls_for(later.tracking_number) == 0
    shop.uninstalled_at = NOW
    db.session.commit()
    poll(NOW + 2 * H)
    assert fake_dhl.calls_for(later.tracking_number) == 0
    assert db.session.get(Shipment, later.id).next_poll_at >= NOW + 26 * H  # asked again tomorrow, if back


def test_a_dhl_answer_moves_the_parcel_and_sets_its_next_look(shop, fake_dhl):
    parcel = _due(shop, "00340434161094042557", carrier="DHL", order_id="a", shipped=30 * H)
    fake_dhl.put(parcel.tracking_number, dhl_body(parcel.tracking_number, [
        (NOW - 28 * H, "pre-transit", "Die Sendung wurde elektronisch angekündigt."),
        (NOW - 20 * H, "transit", "Die Sendung wurde im Start-Paketzentrum bearbeitet.")]))
    poll(NOW)
    parcel = db.session.get(Shipment, parcel.id)
    assert [(e.status, e.source) for e in parcel.events][-2:] == [("info_received", "provider:dhl"),
                                                                 ("in_transit", "provider:dhl")]
    assert fake_dhl.requests[0]["params"]["service"] == "parcel-de"
    assert NOW + 6 * H <= parcel.next_poll_at <= NOW + 7.2 * H


def test_who_signed_is_the_buyers_data_exported_and_erased_with_it(shop, fake_dhl):
    parcel = _due(shop, "00340434161094042557", carrier="DHL", order_id="a", shipped=30 * H)
    fake_dhl.put(parcel.tracking_number, dhl_body(parcel.tracking_number, [
        (NOW - 2 * H, "delivered", "Die Sendung wurde zugestellt.")], signed_by="Erika Example"))
    poll(NOW)
    order = db.session.get(Order, parcel.order_id)
    email = order.customer.email
    export = export_customer_data(db.session, shop, email, (), "req-1")
    assert export.payload["customers"][0]["orders"][0]["parcels"][0]["signed_by"] == "Erika Example"
    redact_customer(db.session, shop, email, (), NOW)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Shipment, parcel.id).signed_by is None


def test_an_answer_with_nothing_new_leaves_the_blocks_cache_alone(shop, fake_dhl):
    parcel = _due(shop, "00340434161094042557", carrier="DHL", order_id="a", shipped=30 * H)
    fake_dhl.put(parcel.tracking_number, dhl_body(parcel.tracking_number, [
        (NOW - 20 * H, "transit", "Die Sendung wurde im Start-Paketzentrum bearbeitet.")]))
    poll(NOW)
    version = db.session.get(Order, parcel.order_id).facts_version
    poll(NOW + 8 * H)
    assert fake_dhl.calls_for(parcel.tracking_number) == 2
    assert db.session.get(Order, parcel.order_id).facts_version == version
    assert db.session.get(Shipment, parcel.id).poll_count == 2


def test_a_parcel_the_carrier_handed_on_takes_the_new_carrier_and_keeps_its_number(shop, fake_17track):
    parcel = _due(shop, "01234567890789", carrier="DPD", order_id="a")
    parcel.tracking_provider, parcel.registered_at = "17track", NOW - 24 * H
    db.session.commit()
    fake_17track.put_recorded(parcel.tracking_number, "gettrackinfo_rerouted.json")
    poll(NOW)
    assert [r["path"] for r in fake_17track.requests] == ["/track/v2.2/gettrackinfo"]  # the safety net
    parcel = db.session.get(Shipment, parcel.id)
    assert (parcel.carrier, parcel.tracking_number) == ("GLS", "01234567890789")
    assert parcel.events[-1].source == "provider:17track"


def test_429_with_retry_after_pauses_the_key_until_then(shop, fake_dhl):
    first = _due(shop, "00340434161094042557", carrier="DHL", order_id="a")
    second = _due(shop, "00340434161094042564", carrier="DHL", order_id="b")
    fake_dhl.answer_429(retry_after=600)
    counts = poll(NOW)
    assert len(fake_dhl.requests) == 1 and counts["failed_calls"] == 1  # the second is not even tried
    assert queues.redis.get(f"aftersales:tracking-pause:dhl:{fingerprint(DHL_KEY)}") is not None
    for parcel in (first, second):
        assert NOW + 600 * timedelta(seconds=1) <= db.session.get(Shipment, parcel.id).next_poll_at
    for parcel in (first, second):  # even when due, nothing is called while the pause lasts
        db.session.get(Shipment, parcel.id).next_poll_at = NOW + timedelta(minutes=5)
    db.session.commit()
    assert poll(NOW + timedelta(minutes=5))["calls"] == 0
    assert len(fake_dhl.requests) == 1
    counts = poll(NOW + timedelta(minutes=25))  # past the pause and the spread of its parcels
    assert counts["calls"] == 2 and len(fake_dhl.requests) == 3


def test_5xx_moves_the_batch_half_an_hour_on(shop, fake_17track):
    parcel = _due(shop, DPD, carrier="DPD", order_id="a")
    fake_17track.answer_error(503)
    counts = poll(NOW)
    assert counts["failed_calls"] == 1
    parcel = db.session.get(Shipment, parcel.id)
    assert NOW + 30 * timedelta(minutes=1) <= parcel.next_poll_at <= NOW + 36 * timedelta(minutes=1)
    assert parcel.registered_at is None and parcel.poll_count == 0
    poll(NOW + 40 * timedelta(minutes=1))
    assert db.session.get(Shipment, parcel.id).registered_at is not None


def test_a_number_17track_will_not_take_is_offered_three_times_then_no_more(shop, fake_17track):
    parcel = _due(shop, "9400111899223197428490", carrier="usps", order_id="a")  # no carrier 17TRACK detects
    for attempt in range(3):
        poll(NOW + attempt * 15 * H)
    parcel = db.session.get(Shipment, parcel.id)
    assert [r["path"] for r in fake_17track.requests] == ["/track/v2.2/register"] * 3
    assert (parcel.registered_at is None and parcel.next_poll_at is None
            and parcel.tracking_stopped_at is not None)


def test_a_refused_own_key_is_marked_and_the_app_key_takes_over(shop, fake_dhl):
    db.session.add(TrackingProviderKey(shop_id=shop.id, provider="dhl", api_key="someone-elses-key"))
    parcel = _due(shop, "00340434161094042557", carrier="DHL", order_id="a")
    poll(NOW)
    key = db.session.scalars(select(TrackingProviderKey)).one()
    assert key.last_error.startswith("refused by dhl: ") and "401" in key.last_error
    assert db.session.get(Shipment, parcel.id).next_poll_at == NOW  # due again, for another key
    poll(NOW + timedelta(minutes=1))
    assert [r["headers"]["Dhl-Api-Key"] for r in fake_dhl.requests] == ["someone-elses-key", DHL_KEY]


def test_no_key_is_normal_the_parcel_is_looked_at_again_tomorrow(shop):
    parcel = _due(shop, DPD, carrier="DPD", order_id="a")
    counts = poll(NOW)
    assert counts["no_provider"] == 1 and counts["calls"] == 0
    assert NOW + 24 * H <= db.session.get(Shipment, parcel.id).next_poll_at <= NOW + 29 * H


def test_delivered_parcels_stop_without_a_call(shop, fake_dhl):
    parcel = _due(shop, "00340434161094042557", carrier="DHL", order_id="a", status="delivered")
    poll(NOW)
    parcel = db.session.get(Shipment, parcel.id)
    assert fake_dhl.requests == [] and parcel.next_poll_at is None and parcel.tracking_stopped_at == NOW


def test_a_new_tracking_number_is_due_for_a_first_look(shop):
    parcel = _due(shop, DPD, carrier="DPD", order_id="a")
    parcel.next_poll_at, parcel.tracking_stopped_at = None, NOW
    db.session.commit()
    parcel.tracking_number = "01234567890999"
    db.session.commit()
    assert parcel.tracking_stopped_at is None and parcel.next_poll_at is not None


# ---- end to end: a WooCommerce order completed with a DHL number ----------------------

def test_woocommerce_order_completed_with_dhl_becomes_delivered_and_plans_the_review(
        client, wc_shop, fake_dhl, run_jobs):
    """The recorded bodies of a real WooCommerce 10.0.2 order, through the webhook path."""
    wc_shop.existing_customer_exemption = True  # review requests are marketing
    set_module(wc_shop, "mail_review_request")
    db.session.commit()
    shipped = REAL_NOW - 3 * 24 * H
    for number, name in enumerate(("01_order.created.json", "03_order.updated.json")):
        body = json.loads(load_payload(f"woocommerce/recorded/{name}"))
        for meta in body["meta_data"]:
            if meta["key"] == "_wc_shipment_tracking_items":
                meta["value"][0]["date_shipped"] = str(int(shipped.timestamp()))
        raw = json.dumps(body).encode()
        response = client.post(f"/webhooks/woocommerce/{wc_shop.shop_key}", data=raw,
                               headers=wc_headers(raw, "order.updated", f"rec-{number}",
                                                  wc_shop.webhook_secret))
        assert response.status_code == 200
    run_jobs()
    parcel = db.session.scalars(select(Shipment)).one()
    assert (parcel.tracking_number, parcel.status) == ("00340434161094042557", "in_transit")
    # Until a carrier speaks, any review request counts from the estimated arrival
    # (app/domain/arrival/anchors.py).
    delivered_at = REAL_NOW - 5 * H
    fake_dhl.put(parcel.tracking_number, dhl_body(parcel.tracking_number, [
        (shipped + H, "pre-transit", "Die Sendung wurde elektronisch angekündigt."),
        (shipped + 8 * H, "transit", "Die Sendung wurde im Start-Paketzentrum bearbeitet."),
        (delivered_at, "delivered", "Die Sendung wurde zugestellt.")], signed_by="E. Example"))

    poll(REAL_NOW + H)  # the first look comes half an hour after the number arrived

    parcel = db.session.get(Shipment, parcel.id)
    assert fake_dhl.calls_for(parcel.tracking_number) == 1
    assert (parcel.status, parcel.delivered_at, parcel.signed_by) == ("delivered", delivered_at, "E. Example")
    assert parcel.next_poll_at is None and parcel.tracking_stopped_at == REAL_NOW + H
    assert db.session.scalars(select(Order)).one().status == "delivered"
    review = db.session.scalars(select(ScheduledMessage)
                                .where(ScheduledMessage.kind == "review_request")).one()
    assert review.state == MessageState.PLANNED
    assert review.send_at == delivered_at + timedelta(days=7)
    assert poll(REAL_NOW + 30 * H)["calls"] == 0  # delivered: never asked again
