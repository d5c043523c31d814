"""Estimated delivery on fixed dates: cut-off, weekends, holidays of origin and destination."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from app.domain.arrival.edd import DeliveryRule, DeliveryWindow, add_business_days, estimate, is_business_day

BERLIN = ZoneInfo("Europe/Berlin")
RULE = DeliveryRule()  # 1 processing day, cut-off 14:00, DE 1–2, EU 2–5, world 5–10


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def merchant(placed_at, country="DE", shipped_at=None, rule=RULE) -> DeliveryWindow:
    return estimate(placed_at=placed_at, shipped_at=shipped_at, country=country, parcel_estimates=[],
                    rule=rule, tz=BERLIN)


def test_christmas_holidays_and_the_weekend_are_skipped():
    # Wed 23 Dec 2026, 15:00 Berlin: after cut-off → ready Thu 24th, leaves one business day
    # later: 25th and 26th are holidays, 27th a Sunday → Mon 28th; DE 1–2 → Tue 29 – Wed 30.
    window = merchant(utc(2026, 12, 23, 14, 0))
    assert window == DeliveryWindow(date(2026, 12, 29), date(2026, 12, 30), "merchant")


def test_an_order_on_saturday_counts_from_monday():
    # Sat 21 Nov → ready Mon 23rd → leaves Tue 24th → Wed 25 – Thu 26.
    window = merchant(utc(2026, 11, 21, 9, 0))
    assert (window.earliest, window.latest) == (date(2026, 11, 25), date(2026, 11, 26))


@pytest.mark.parametrize("placed_utc, earliest", [
    (utc(2026, 11, 23, 12, 59), date(2026, 11, 25)),  # 13:59 Berlin: before cut-off, ready Monday
    (utc(2026, 11, 23, 13, 0), date(2026, 11, 26)),   # 14:00 Berlin: after cut-off, ready Tuesday
])
def test_the_cut_off_hour_is_read_in_the_shop_time_zone(placed_utc, earliest):
    assert merchant(placed_utc).earliest == earliest


def test_destination_holidays_count_for_transit():
    # Fri 4 Dec → leaves Mon 7th. Tue 8 Dec is a holiday in Austria, not in Germany.
    austria = merchant(utc(2026, 12, 4, 9, 0), country="AT")
    germany_rule = DeliveryRule(transit_days={"DE": (2, 5), "EU": (2, 5), "WORLD": (5, 10)})
    germany = merchant(utc(2026, 12, 4, 9, 0), country="DE", rule=germany_rule)
    assert (austria.earliest, austria.latest) == (date(2026, 12, 10), date(2026, 12, 15))
    assert (germany.earliest, germany.latest) == (date(2026, 12, 9), date(2026, 12, 14))


def test_regions_and_per_country_overrides_from_settings():
    rule = DeliveryRule.from_settings({"processing_days": 0, "transit_days": {"ch": [3, 4]}})
    assert rule.transit_for("CH") == (3, 4)
    assert rule.transit_for("FR") == (2, 5)
    assert rule.transit_for("US") == (5, 10)
    # Mon 23 Nov 10:00 Berlin, no processing day: leaves the same day; US 5–10 business days,
    # Thanksgiving (Thu 26 Nov) off.
    window = merchant(utc(2026, 11, 23, 9, 0), country="US", rule=rule)
    assert (window.earliest, window.latest) == (date(2026, 12, 1), date(2026, 12, 8))


def test_a_shipped_parcel_counts_transit_from_its_dispatch():
    window = merchant(utc(2026, 11, 16, 9, 0), shipped_at=utc(2026, 11, 20, 9, 0))  # shipped Fri
    assert (window.earliest, window.latest) == (date(2026, 11, 23), date(2026, 11, 24))


def test_the_carrier_estimate_wins_over_the_merchant_rule():
    parcels = [(utc(2026, 11, 24, 23, 30), utc(2026, 11, 24, 23, 30), "carrier"),
               (None, None, None), (utc(2026, 11, 26, 8, 0), None, "carrier")]
    window = estimate(placed_at=utc(2026, 11, 20, 9, 0), shipped_at=None, country="DE",
                      parcel_estimates=parcels, rule=RULE, tz=BERLIN)
    # 23:30 UTC on the 24th is already the 25th in Berlin
    assert window == DeliveryWindow(date(2026, 11, 25), date(2026, 11, 26), "carrier")


def test_no_destination_no_promise():
    assert merchant(utc(2026, 11, 23, 9, 0), country=None) is None


def test_late_only_after_the_last_day():
    window = DeliveryWindow(date(2026, 12, 29), date(2026, 12, 30), "merchant")
    assert not window.is_late(date(2026, 12, 30))
    assert window.is_late(date(2026, 12, 31))


def test_business_days():
    assert not is_business_day(date(2026, 12, 25), "DE")
    assert not is_business_day(date(2026, 12, 26), "DE")
    assert is_business_day(date(2026, 12, 8), "DE") and not is_business_day(date(2026, 12, 8), "AT")
    assert is_business_day(date(2026, 12, 8), "XX")  # unknown country: weekends only
    assert add_business_days(date(2026, 12, 24), 1, "DE") == date(2026, 12, 28)
    assert add_business_days(date(2026, 12, 24), 0, "DE") == date(2026, 12, 24)
