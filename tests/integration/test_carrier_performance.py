"""Carrier performance and learned delivery ranges over a seeded synthetic shop history
(tests/support/analytics_history.py): every expected figure is worked out here from what the
generator drew, without the app's aggregation code."""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from statistics import median

import pytest

from app.domain.arrival.carrier_history import carrier_report
from app.domain.arrival.carrier_performance import (
    Context,
    ParcelRow,
    business_days_between,
    had_stall,
    percentile,
)
from app.domain.arrival.edd import DeliveryRule, add_business_days
from app.extensions import db
from tests.support.analytics_history import BERLIN, PAIRS, generate, seed_history, true_quantile

NAMES = {"DHL": "DHL Paket", "DPD": "DPD", "GLS": "GLS", "UPS": "UPS", "Hermes": "Hermes"}
RULE_DAYS = {"DE": (1, 2), "AT": (2, 5), "FR": (2, 5), "NL": (2, 5), "US": (5, 10), "CH": (5, 10)}


def nearest_rank(values, share: float) -> int:
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1]


def expected_lines(parcels, today: date, days: int) -> dict:
    start = today - timedelta(days=days)
    groups = defaultdict(list)
    for p in parcels:
        if p.ship_day > start:
            groups[(NAMES[p.carrier], p.country)].append(p)
    found = {}
    for (name, country), items in groups.items():
        reported = [p for p in items if p.kind == "carrier"]
        delivered = [p for p in reported if p.delivered_at]
        low, high = RULE_DAYS[country]
        shown_latest = {p.number: p.edd_end.astimezone(BERLIN).date() if p.edd_end
                        else add_business_days(p.ship_day, high, country) for p in delivered}
        transits = [p.transit for p in delivered]
        found[(name, country)] = {
            "parcels": len(items),
            "delivered": len(delivered),
            "no_carrier_data": sum(p.kind != "carrier" for p in items),
            "median": median(transits) if transits else None,
            "p90": nearest_rank(transits, 0.9) if transits else None,
            "on_time": sum(p.delivered_day <= shown_latest[p.number] for p in delivered) / len(delivered)
            if delivered
            else None,
            "exceptions": sum(p.exception for p in reported) / len(reported),
            "attempts_failed": sum(p.attempt_failed for p in reported) / len(reported),
            "stalls": sum(p.stalled for p in reported) / len(reported),
            "rule_accuracy": sum(low <= p.transit <= high for p in delivered) / len(delivered)
            if delivered
            else None,
        }
    return found


def expected_learned(parcels, today: date) -> dict:
    transits = defaultdict(list)
    for p in parcels:
        if p.delivered_at and today - timedelta(days=180) <= p.delivered_day <= today:
            transits[(NAMES[p.carrier], p.country)].append(p.transit)
    return {pair: (nearest_rank(v, 0.4), nearest_rank(v, 0.8)) for pair, v in transits.items()
            if len(v) >= 10}


def expected_learned_accuracy(parcels, today: date, days: int) -> dict:
    """The backtest done the slow way: for each delivered parcel, the deliveries its pair had
    in the 180 days before it left, their 40th and 80th percentile, and was it inside."""
    start = today - timedelta(days=days)
    delivered = defaultdict(list)
    for p in parcels:
        if p.delivered_at:
            delivered[(NAMES[p.carrier], p.country)].append(p)
    found = {}
    for pair, items in delivered.items():
        inside = checked = 0
        for p in items:
            if p.ship_day <= start:
                continue
            known = [q.transit for q in items
                     if p.ship_day - timedelta(days=180) <= q.delivered_day < p.ship_day]
            if len(known) >= 10:
                checked += 1
                inside += nearest_rank(known, 0.4) <= p.transit <= nearest_rank(known, 0.8)
        found[pair] = (inside, checked)
    return found


@pytest.fixture
def history(app, wc_shop):
    now = datetime.now(timezone.utc)
    parcels = generate(now)
    seed_history(wc_shop, parcels)
    return now, parcels


def _lines(report) -> dict:
    return {(line.carrier_name, line.country): line for line in report.lines}


@pytest.mark.parametrize("days", [30, 180])
def test_carrier_figures_match_what_the_generator_drew(history, wc_shop, days):
    now, parcels = history
    today = now.astimezone(BERLIN).date()
    lines = _lines(carrier_report(db.session, wc_shop, days, now))
    expected = expected_lines(parcels, today, days)
    assert lines.keys() == expected.keys()
    for pair, figures in expected.items():
        line = lines[pair]
        for name, value in figures.items():
            got = line.rule_accuracy.share if name == "rule_accuracy" else getattr(line, name)
            assert got == pytest.approx(value), (pair, name)
    assert sum(line.parcels for line in lines.values()) == sum(1 for p in parcels
                                                               if p.ship_day > today - timedelta(days=days))


def test_medians_and_90th_percentiles_are_the_known_distributions(history, wc_shop):
    now, _ = history
    lines = _lines(carrier_report(db.session, wc_shop, 180, now))
    checked = 0
    for (carrier, country), (_, weights) in PAIRS.items():
        line = lines[(NAMES[carrier], country)]
        if line.delivered >= 150:
            assert (line.median, line.p90) == (true_quantile(weights, 0.5), true_quantile(weights, 0.9)), line
            checked += 1
    assert checked == 6


def test_the_learned_range_covers_the_share_between_its_percentiles(history, wc_shop):
    now, parcels = history
    today = now.astimezone(BERLIN).date()
    report = carrier_report(db.session, wc_shop, 90, now)
    lines = _lines(report)
    learned = expected_learned(parcels, today)
    assert {pair: line.learned for pair, line in lines.items() if line.learned} == learned
    assert ("Hermes", "CH") not in learned  # too few deliveries: the rule stays
    accuracy = expected_learned_accuracy(parcels, today, 90)
    for pair, line in lines.items():
        assert (line.learned_accuracy.inside, line.learned_accuracy.checked) == accuracy.get(pair,
                                                                                             (0, 0)), pair
    for (carrier, country), (_, weights) in PAIRS.items():
        line = lines[(NAMES[carrier], country)]
        if line.learned_accuracy.checked < 150:
            continue
        low, high = true_quantile(weights, 0.4), true_quantile(weights, 0.8)
        covered = sum(share for days, share in weights.items() if low <= days <= high) / sum(weights.values())
        # Whole days: the range holds at least the 40 % between its percentiles, and as
        # much more as the days at its ends carry.
        assert covered >= 0.4
        assert line.learned_accuracy.share == pytest.approx(covered, abs=0.07), (carrier, country)


def test_transit_counts_business_days_of_the_destination():
    # Thu 24 Dec 2026 → Mon 28 Dec: 25 and 26 Dec are holidays in Germany, then a Sunday.
    assert business_days_between(date(2026, 12, 24), date(2026, 12, 28), "DE") == 1
    assert business_days_between(date(2026, 12, 4), date(2026, 12, 9), "AT") == 2  # 8 Dec off in Austria
    assert business_days_between(date(2026, 12, 4), date(2026, 12, 9), "DE") == 3
    assert business_days_between(date(2026, 12, 4), date(2026, 12, 5), "DE") == 0  # a Saturday delivery
    assert percentile([1, 2, 3, 4, 5], 0.4) == 2 and percentile([1, 2, 3, 4, 5], 0.8) == 4


def _context(now: datetime) -> Context:
    return Context("Europe/Berlin", DeliveryRule(), timedelta(days=3), True, now)


def _row(events, status="in_transit") -> ParcelRow:
    shipped = events[0][1]
    return ParcelRow(1, "dhl", "DHL Paket", "DE", status, True, shipped, shipped, None, tuple(events))


def test_a_stall_is_a_carrier_silence_of_more_than_the_delay_in_business_days():
    fri = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    now = fri + timedelta(days=30)
    # Friday to Wednesday is three business days: stalled; Friday to Tuesday is not.
    assert had_stall(_row([("in_transit", fri), ("delivered", fri + timedelta(days=5))], "delivered"),
                     _context(now))
    assert not had_stall(_row([("in_transit", fri), ("delivered", fri + timedelta(days=4))], "delivered"),
                         _context(now))
    # After an exception the parcel is not expected to move: no stall. Quiet up to now: stalled.
    assert not had_stall(_row([("exception", fri), ("delivered", fri + timedelta(days=9))], "delivered"),
                         _context(now))
    assert had_stall(_row([("in_transit", fri)]), _context(now))
    assert not had_stall(_row([("in_transit", fri)]), _context(fri + timedelta(days=4)))
