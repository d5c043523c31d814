"""The Carriers page's figures the database aggregates from stored parcel facts (GROUP BY
carrier × country, app/domain/arrival/carrier_history.py) equal the same figures worked out
here in Python, parcel by parcel, from a seeded generated history (tests/support/analytics_history.py,
stored through the backfill) and a few parcels stored through the flush hook: one still
silent (a stall going on), one just scanned, one delivered on a Saturday (inside the learned
window by its transit, outside by its date). Lines, medians and 90th percentiles, the weekly
trend, the learned ranges (the page's and the daily job's) and their backtest. Runs on SQLite
and (TEST_DATABASE_URL) PostgreSQL alike."""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from statistics import median

import pytest

from app.domain.analytics.wismo import wismo_report
from app.domain.arrival.carrier_history import carrier_report, learned_ranges
from app.domain.arrival.edd import add_business_days, is_business_day
from app.extensions import db
from tests.support.analytics_history import BERLIN, SyntheticParcel, generate, seed_history
from tests.support.factories import add_parcel, carrier_scan, make_order

NOW = datetime(2026, 11, 25, 11, 0, tzinfo=timezone.utc)  # a Wednesday
TODAY = NOW.astimezone(BERLIN).date()
NAMES = {"DHL": "DHL Paket", "DPD": "DPD", "GLS": "GLS", "UPS": "UPS", "Hermes": "Hermes"}
KEYS = {"DHL": "dhl", "DPD": "dpd", "GLS": "gls", "UPS": "ups", "Hermes": "hermes"}
RULE_DAYS = {"DE": (1, 2), "AT": (2, 5), "FR": (2, 5), "NL": (2, 5), "US": (5, 10), "CH": (5, 10)}


def _berlin(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BERLIN).astimezone(timezone.utc)


def _rank(values, share: float):
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1]


def _transit(ship_day: date, delivered_day: date, country: str) -> int:
    """Business days of the destination after the ship day up to the delivery day, one by one."""
    return sum(is_business_day(ship_day + timedelta(days=n), country)
               for n in range(1, (delivered_day - ship_day).days + 1))


def _extras(shop) -> list[SyntheticParcel]:
    """Parcels stored through the ORM (the flush hook), as records for the expectation."""
    friday = TODAY - timedelta(days=(TODAY.weekday() - 4) % 7 + 7)
    specs = [  # (ship moment, events, status, stalled)
        (_berlin(TODAY - timedelta(days=12), 10), [("in_transit", 0)], "in_transit", True),  # silent since
        (NOW - timedelta(hours=1), [("in_transit", 0)], "in_transit", False),
        (_berlin(friday, 9), [("in_transit", 0), ("delivered", 26)], "delivered", False),  # Saturday 11:00
    ]
    records = []
    for n, (shipped, scans, status, stalled) in enumerate(specs):
        events = [(s, shipped + timedelta(hours=hours), "provider:dhl") for s, hours in scans]
        delivered_at = events[-1][1] if status == "delivered" else None
        order = make_order(shop, platform_order_id=f"extra-{n}", shipping_country="DE",
                           status="delivered" if delivered_at else "shipped",
                           placed_at=shipped - timedelta(days=1))
        parcel = add_parcel(order, status=status, shipped_at=shipped, delivered_at=delivered_at,
                            fulfillment_id=f"x{n}", carrier="DHL", tracking_number=f"X{n:09d}")
        for s, at, source in events:
            carrier_scan(parcel, s, at, source)
        records.append(SyntheticParcel(number=-1 - n, carrier="DHL", country="DE", shipped_at=shipped,
                                       transit=0, kind="carrier", delivered_at=delivered_at, status=status,
                                       stalled=stalled, events=events))
    db.session.commit()
    return records


@pytest.fixture
def history(app, wc_shop):
    wc_shop.installed_at = NOW - timedelta(days=120)
    db.session.commit()
    parcels = generate(NOW, orders=2500, seed=7)
    seed_history(wc_shop, parcels)
    return parcels + _extras(wc_shop)


def _expected_lines(parcels, days: int) -> dict:
    first_day = TODAY - timedelta(days=days - 1)
    groups = defaultdict(list)
    for p in parcels:
        if p.ship_day >= first_day:
            groups[(NAMES[p.carrier], p.country)].append(p)
    found = {}
    for pair, items in groups.items():
        reported = [p for p in items if p.kind == "carrier"]
        delivered = [p for p in reported if p.delivered_at]
        transits = [_transit(p.ship_day, p.delivered_day, p.country) for p in delivered]
        low, high = RULE_DAYS[pair[1]]

        shown = {p.number: p.edd_end.astimezone(BERLIN).date() if p.edd_end
                 else add_business_days(p.ship_day, high, p.country) for p in delivered}
        found[pair] = {
            "parcels": len(items), "reported": len(reported), "delivered": len(delivered),
            "no_carrier_data": sum(p.kind != "carrier" for p in items),
            "median": median(transits) if transits else None,
            "p90": _rank(transits, 0.9) if transits else None,
            "on_time": (sum(p.delivered_day <= shown[p.number] for p in delivered) / len(delivered)
                        if delivered else None),
            "exceptions": sum(p.exception for p in reported) / len(reported) if reported else None,
            "attempts_failed": sum(p.attempt_failed for p in reported) / len(reported) if reported else None,
            "stalls": sum(p.stalled for p in reported) / len(reported) if reported else None,
            "rule": sum(add_business_days(p.ship_day, low, p.country) <= p.delivered_day
                        <= add_business_days(p.ship_day, high, p.country) for p in delivered),
        }
    return found


def _delivered_by_pair(parcels) -> dict:
    found = defaultdict(list)
    for p in parcels:
        if p.delivered_at and p.kind == "carrier":
            found[(NAMES[p.carrier], p.country)].append(p)
    return found


def _expected_learned(parcels) -> dict:
    found = {}
    for pair, items in _delivered_by_pair(parcels).items():
        transits = [_transit(p.ship_day, p.delivered_day, p.country) for p in items
                    if TODAY - timedelta(days=180) <= p.delivered_day <= TODAY]
        if len(transits) >= 10:
            found[pair] = (_rank(transits, 0.4), _rank(transits, 0.8))
    return found


def _expected_backtest(parcels, days: int) -> dict:
    """For each delivered parcel of the period: the range its pair learned from the deliveries
    of the 180 days before it left, as dates, and whether it arrived between them."""
    first_day = TODAY - timedelta(days=days - 1)
    found = {}
    for pair, items in _delivered_by_pair(parcels).items():
        inside = checked = 0
        for p in items:
            if p.ship_day < first_day:
                continue
            known = [_transit(q.ship_day, q.delivered_day, q.country) for q in items
                     if p.ship_day - timedelta(days=180) <= q.delivered_day < p.ship_day]
            if len(known) >= 10:
                checked += 1
                earliest = add_business_days(p.ship_day, _rank(known, 0.4), p.country)
                latest = add_business_days(p.ship_day, _rank(known, 0.8), p.country)
                inside += earliest <= p.delivered_day <= latest
        found[pair] = (inside, checked)
    return found


def _expected_trend(parcels) -> tuple[list[date], dict]:
    this_monday = TODAY - timedelta(days=TODAY.weekday())
    mondays = [this_monday - timedelta(weeks=n) for n in range(12, 0, -1)]
    weeks = defaultdict(lambda: defaultdict(list))
    for p in parcels:
        if p.delivered_at and p.kind == "carrier":
            monday = p.delivered_day - timedelta(days=p.delivered_day.weekday())
            weeks[NAMES[p.carrier]][monday].append(_transit(p.ship_day, p.delivered_day, p.country))
    return mondays, {name: [median(by_week[m]) if by_week.get(m) else None for m in mondays]
                     for name, by_week in weeks.items() if any(by_week.get(m) for m in mondays)}


@pytest.mark.parametrize("days", [30, 90, 180])
def test_the_databases_carrier_figures_equal_pythons(history, wc_shop, days):
    parcels = history
    report = carrier_report(db.session(), wc_shop, days, NOW)
    lines = {(line.carrier_name, line.country): line for line in report.lines}
    expected = _expected_lines(parcels, days)
    assert lines.keys() == expected.keys()
    for pair, figures in expected.items():
        line = lines[pair]
        for name, value in figures.items():
            got = line.rule_accuracy.inside if name == "rule" else getattr(line, name)
            assert got == pytest.approx(value), (pair, name)
    learned = _expected_learned(parcels)
    assert {pair: line.learned for pair, line in lines.items() if line.learned} == \
        {pair: value for pair, value in learned.items() if pair in lines}
    backtest = _expected_backtest(parcels, days)
    for pair, line in lines.items():
        got = (line.learned_accuracy.inside, line.learned_accuracy.checked)
        assert got == backtest.get(pair, (0, 0)), pair
    assert sum(line.stalls * line.reported for line in lines.values() if line.stalls) >= 1
    mondays, trend = _expected_trend(parcels)
    assert report.weeks == mondays
    assert {report.carrier_names[key]: values for key, values in report.trend.items()} == trend


def test_the_daily_job_learns_the_pages_ranges(history, wc_shop):
    stored = learned_ranges(db.session(), wc_shop.id, TODAY)
    expected = {f"{KEYS[carrier]}|{country}": list(value) for (name, country), value in
                _expected_learned(history).items() for carrier in NAMES if NAMES[carrier] == name}
    assert stored == expected and len(stored) >= 5


def test_the_wismo_weeks_count_the_orders_delivered_in_each(history, wc_shop):
    report = wismo_report(db.session(), wc_shop, NOW)
    assert len(report.weeks) >= 12
    bounds = [datetime.combine(week.monday, time(0), tzinfo=BERLIN) for week in report.weeks]
    bounds.append(bounds[-1] + timedelta(weeks=1))
    moments = [p.delivered_at or p.events[-1][1] for p in history if p.status == "delivered"]
    expected = [sum(1 for at in moments if start <= at < end)
                for start, end in zip(bounds, bounds[1:], strict=False)]
    assert [week.delivered for week in report.weeks] == expected and sum(expected) > 500
