"""Business days by the holidays package's working days, with the shop's region: a Bavarian
shop does not ship on Epiphany or Corpus Christi, a Hamburg one does; Geneva's fast day is off
in Geneva, not in Zurich; weekends are the country's; the admin checks the region."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.domain.arrival.anchors import dispatch_overdue_at
from app.domain.arrival.edd import DeliveryRule, add_business_days, estimate, is_business_day
from app.domain.arrival.work_calendars import region_code
from app.domain.shop.modules import module_settings
from app.i18n import TextError
from tests.support.admin_sessions import csrf_token
from tests.support.factories import make_order, set_module

UTC = timezone.utc
EPIPHANY, CORPUS_CHRISTI = date(2026, 1, 6), date(2026, 6, 4)  # a Tuesday, a Thursday
GENEVA_FAST = date(2026, 9, 10)  # Jeûne genevois, a Thursday


@pytest.mark.parametrize("day", [EPIPHANY, CORPUS_CHRISTI])
def test_bavarian_holidays_are_off_in_bavaria_only(day):
    assert not is_business_day(day, "DE", "BY")
    assert is_business_day(day, "DE", "HH")
    assert is_business_day(day, "DE")  # nationally a working day


def test_the_day_after_a_regional_holiday_counts_from_the_region():
    monday = date(2026, 1, 5)
    assert add_business_days(monday, 1, "DE", "BY") == date(2026, 1, 7)
    assert add_business_days(monday, 1, "DE", "HH") == EPIPHANY


def test_weekends_are_off_everywhere_and_zero_days_is_the_same_day():
    saturday, sunday = date(2026, 11, 21), date(2026, 11, 22)
    for country, region in (("DE", "BY"), ("AT", "9"), ("CH", "ZH"), ("ZZ", None)):  # ZZ: a code nobody has
        assert not is_business_day(saturday, country, region) and not is_business_day(sunday, country, region)
        assert add_business_days(date(2026, 11, 20), 1, country, region) == date(2026, 11, 23)
        assert add_business_days(saturday, 0, country, region) == saturday


def test_a_region_the_package_does_not_know_counts_the_national_holidays():
    assert is_business_day(EPIPHANY, "DE", "XX") and not is_business_day(date(2026, 10, 3), "DE", "XX")


def test_a_geneva_shop_ships_a_day_later_around_its_fast_day():
    """Wed 9 Sep 2026 after the cut-off: ready Thursday, one processing day, CH 1–2 days."""
    zurich = ZoneInfo("Europe/Zurich")
    placed = datetime(2026, 9, 9, 15, tzinfo=zurich)

    def window(region):
        rule = DeliveryRule(origin_country="CH", origin_region=region,
                            transit_days={"CH": (1, 2), "WORLD": (5, 10)})
        found = estimate(placed_at=placed, shipped_at=None, country="CH", parcel_estimates=[], rule=rule,
                         tz=zurich)
        return found.earliest, found.latest

    # Geneva: Thursday is off, ready Friday, leaves Monday 14th. Zurich: leaves Friday 11th.
    assert window("GE") == (date(2026, 9, 15), date(2026, 9, 16))
    assert window("ZH") == (date(2026, 9, 14), date(2026, 9, 15))
    assert not is_business_day(GENEVA_FAST, "CH", "GE") and is_business_day(GENEVA_FAST, "CH")


def test_transit_counts_the_destination_country_without_a_region():
    """Shipped from Hamburg on Mon 5 Jan to a German buyer: Epiphany is a working day nationally,
    so the parcel is due Tue 6th – Wed 7th wherever in Germany the buyer lives."""
    rule = DeliveryRule(origin_country="DE", origin_region="HH")
    shipped = datetime(2026, 1, 5, 9, tzinfo=UTC)
    window = estimate(placed_at=shipped, shipped_at=shipped, country="DE", parcel_estimates=[], rule=rule,
                      tz=ZoneInfo("Europe/Berlin"))
    assert (window.earliest, window.latest) == (EPIPHANY, date(2026, 1, 7))


@pytest.mark.parametrize("region, notice", [
    ("BY", datetime(2026, 1, 9, 10, tzinfo=UTC)),  # Mon + 3 business days, Epiphany off: Friday
    ("HH", datetime(2026, 1, 8, 10, tzinfo=UTC)),  # Thursday
])
def test_the_not_shipped_notice_counts_the_shops_own_region(app, shop, region, notice):
    set_module(shop, "delivery_estimate", origin_country="DE", origin_region=region)
    order = make_order(shop, placed_at=datetime(2026, 1, 5, 10, tzinfo=UTC), status="processing")
    assert dispatch_overdue_at(order, shop) == notice


@pytest.mark.parametrize("country, raw, code", [
    ("DE", "by", "BY"), ("de", "Bayern", "BY"), ("DE", "DE-BY", "BY"), ("AT", "Wien", "9"), ("AT", "9", "9"),
    ("CH", "Genève", "GE"), ("CH", "zh", "ZH"),
])
def test_regions_are_taken_by_code_or_name(country, raw, code):
    assert region_code(country, raw) == code


def test_unknown_regions_are_refused_with_the_choices():
    with pytest.raises(TextError) as not_a_region:
        region_code("DE", "Bavaria-ish")
    assert "Not a region of DE; one of: BB, BE, BW, BY" in not_a_region.value.text("en")
    assert "Keine Region von DE; möglich sind: BB, BE, BW, BY" in not_a_region.value.text("de")
    with pytest.raises(TextError) as no_regions:
        region_code("ZZ", "A")
    assert "no regional holidays for ZZ" in no_regions.value.text("en")


def _save(client, **fields):
    form = {"enabled": "on", "processing_days": "1", "cutoff_hour": "14", "origin_country": "DE",
            "transit_days": "DE 1-2, WORLD 5-10", "csrf_token": csrf_token(client), **fields}
    return client.post("/admin/modules/delivery_estimate", data=form)


def test_the_admin_saves_the_region_as_the_packages_code(wc_admin, wc_shop):
    response = _save(wc_admin, origin_country="AT", origin_region="Wien")
    assert response.status_code == 200, response.data
    assert b'name="origin_region" value="9"' in response.data
    assert module_settings(wc_shop, "delivery_estimate")["origin_region"] == "9"
    assert _save(wc_admin, origin_region="").status_code == 200  # empty: national holidays only
    assert module_settings(wc_shop, "delivery_estimate")["origin_region"] is None


def test_the_admin_refuses_a_region_of_another_country(wc_admin, wc_shop):
    response = _save(wc_admin, origin_country="DE", origin_region="Wien")
    assert response.status_code == 422 and b"Not a region of DE" in response.data
    assert b'aria-invalid="true"' in response.data
    assert [m for m in wc_shop.modules if m.key == "delivery_estimate"] == []


def test_the_region_moves_the_delivery_promise_shown_to_the_buyer(app, shop):
    """The same Monday order from a Bavarian and a Hamburg shop, one processing day, DE 1–2."""
    placed = datetime(2026, 1, 5, 9, tzinfo=UTC)
    windows = []
    for region in ("BY", "HH"):
        set_module(shop, "delivery_estimate", origin_region=region)
        rule = DeliveryRule.from_settings(module_settings(shop, "delivery_estimate"))
        found = estimate(placed_at=placed, shipped_at=None, country="DE", parcel_estimates=[], rule=rule,
                         tz=ZoneInfo("Europe/Berlin"))
        windows.append((found.earliest, found.latest))
    # Bavaria: ready Mon, leaves Wed 7th (Tue off) → Thu 8 – Fri 9. Hamburg: leaves Tue 6th → Wed 7 – Thu 8.
    assert windows == [(date(2026, 1, 8), date(2026, 1, 9)), (date(2026, 1, 7), date(2026, 1, 8))]
    assert windows[0][0] - windows[1][0] == timedelta(days=1)


def test_remembered_counts_match_a_walk_through_the_calendar_day_by_day():
    """The counts are memoised (app/domain/arrival/work_calendars.py): asked twice, in any order and
    for any region, each is still the day a walk past weekends and holidays arrives at."""
    for region in (None, "BY", "HH"):
        for offset in range(0, 400, 3):
            start = date(2025, 12, 1) + timedelta(days=offset)
            for count in (1, 2, 5):
                walked, left = start, count
                while left:
                    walked += timedelta(days=1)
                    left -= walked.weekday() < 5 and not _holiday(walked, region)
                assert add_business_days(start, count, "de", region) == walked
                assert add_business_days(start, count, "DE", region) == walked


def _holiday(day: date, region: str | None) -> bool:
    import holidays

    return day in holidays.country_holidays("DE", subdiv=region, years=day.year)
