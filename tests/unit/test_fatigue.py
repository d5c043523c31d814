"""Marketing fatigue rules as pure functions of fixed times: caps and quiet hours defer."""
from datetime import datetime, time, timedelta, timezone

from app.domain.followups.fatigue import FatigueRules, cap_allows_at, next_marketing_slot, outside_quiet_hours

UTC = timezone.utc
RULES = FatigueRules()
BERLIN = "Europe/Berlin"


def at(hour: int, minute: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_no_history_allows_now():
    assert cap_allows_at([], at(10), RULES) == at(10)


def test_one_mail_per_16_hours():
    assert cap_allows_at([at(9)], at(10), RULES) == at(9) + timedelta(hours=16)
    assert cap_allows_at([at(9, day=20)], at(10), RULES) == at(10)


def test_five_per_30_days_waits_for_the_oldest_to_leave_the_window():
    sent = [at(10, day=d) for d in (1, 5, 9, 13, 17)]
    assert cap_allows_at(sent, at(10, day=23), RULES) == at(10, day=1) + timedelta(days=30)
    assert cap_allows_at(sent[1:], at(10, day=23), RULES) == at(10, day=23)


def test_caps_come_from_the_rules():
    loose = FatigueRules(min_gap=timedelta(hours=1), max_per_window=10)
    assert cap_allows_at([at(9)], at(10), loose) == at(10)


def test_quiet_hours_in_the_shop_zone_defer_to_eight_local():
    # 21:30 in Berlin (UTC+1 in November) is 20:30 UTC: deferred to 08:00 Berlin next day.
    assert outside_quiet_hours(at(20, 30), BERLIN, RULES) == at(7, day=24)
    # 05:00 Berlin is 04:00 UTC: deferred to 08:00 Berlin the same day.
    assert outside_quiet_hours(at(4), BERLIN, RULES) == at(7)
    # 20:59 Berlin is fine; the same UTC moment in UTC itself too.
    assert outside_quiet_hours(at(19, 59), BERLIN, RULES) == at(19, 59)
    assert outside_quiet_hours(at(7, 30), "UTC", RULES) == at(8)


def test_quiet_hours_start_equal_to_end_means_none():
    never = FatigueRules(quiet_start=time(0), quiet_end=time(0))
    assert outside_quiet_hours(at(23), BERLIN, never) == at(23)


def test_unknown_zone_falls_back_to_utc():
    assert outside_quiet_hours(at(22), "Mars/Olympus", RULES) == at(8, day=24)


def test_slot_combines_cap_and_quiet_hours_and_never_drops():
    # Last mail 12:00 Berlin → cap opens 04:00 Berlin next day → quiet → 08:00 Berlin.
    slot = next_marketing_slot([at(11)], at(12), BERLIN, RULES)
    assert slot == at(7, day=24)
    assert next_marketing_slot([], at(12), BERLIN, RULES) == at(12)
