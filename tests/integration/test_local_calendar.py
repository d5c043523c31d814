"""Counts land on the shop's own days and weeks (Europe/Berlin here), not on UTC's: a lookup just
after local midnight on a Monday belongs to the new week, across a clock change too. With
UTC days each of these would fall in the week before."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.domain.analytics.engagement_counts import LOOKUP, PAGE, VIEWS, buffer, take_all
from app.domain.analytics.wismo import wismo_report
from app.extensions import db
from app.jobs.engagement import fold_counts
from app.models import EngagementCount, MessageState, ScheduledMessage, Shop
from app.web.admin.overview import mail_counts
from tests.support.factories import make_order

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def counts_clean(app):
    buffer.flush()
    take_all()


# (moment of the lookup, its local day); UTC's day is the one before for all but the second.
LOOKUPS = (
    (berlin(2026, 3, 23, 0, 30), date(2026, 3, 23)),  # Monday 00:30 CET = Sunday 23:30 UTC
    (berlin(2026, 3, 29, 23, 50), date(2026, 3, 29)),  # Sunday after the change to CEST: 21:50 UTC
    (berlin(2026, 3, 30, 0, 20), date(2026, 3, 30)),  # Monday 00:20 CEST = Sunday 22:20 UTC
    (berlin(2026, 10, 26, 0, 10), date(2026, 10, 26)),  # Monday after the change back: Sunday 23:10 UTC
)


def test_lookups_count_on_the_shops_day_and_week_across_clock_changes(app, shop, counts_clean):
    assert shop.timezone == "Europe/Berlin"
    shop.installed_at = datetime(2026, 1, 5, tzinfo=timezone.utc)
    db.session.commit()
    for moment, _ in LOOKUPS:
        assert moment.astimezone(timezone.utc).date() == moment.date() - timedelta(
            days=0 if moment.hour == 23 else 1)
        buffer.add(shop.id, LOOKUP, (PAGE,), VIEWS, moment)
    fold_counts()

    days = {row.day: row.views for row in db.session.scalars(
        select(EngagementCount).where(EngagementCount.shop_id == shop.id, EngagementCount.surface == LOOKUP))}
    assert days == {day: 1 for _, day in LOOKUPS}

    spring = wismo_report(db.session, db.session.get(Shop, shop.id), berlin(2026, 4, 8, 12, 0))
    by_week = {week.monday: week.lookups for week in spring.weeks}
    assert by_week[date(2026, 3, 16)] == 0  # UTC days: 1 (the Sunday 23:30 UTC)
    assert by_week[date(2026, 3, 23)] == 2  # UTC days: 2, but Monday 30's lookup instead of Monday 23's
    assert by_week[date(2026, 3, 30)] == 1  # UTC days: 0
    autumn = wismo_report(db.session, db.session.get(Shop, shop.id), berlin(2026, 11, 4, 12, 0))
    by_week = {week.monday: week.lookups for week in autumn.weeks}
    assert (by_week[date(2026, 10, 19)], by_week[date(2026, 10, 26)]) == (0, 1)


def test_quarter_hours_of_one_local_day_make_one_row(app, shop, counts_clean):
    """Two UTC days' counts that are one Berlin day add up in a single row (and the fold's
    upsert adds to what an earlier fold stored)."""
    for moment in (berlin(2026, 7, 1, 0, 5), berlin(2026, 7, 1, 1, 55), berlin(2026, 7, 1, 23, 59)):
        buffer.add(shop.id, "block", (PAGE, "reorder"), VIEWS, moment)
    fold_counts()
    buffer.add(shop.id, "block", (PAGE,), VIEWS, berlin(2026, 7, 1, 12, 0))
    fold_counts()
    rows = {(row.day, row.module): row.views for row in db.session.scalars(
        select(EngagementCount).where(EngagementCount.shop_id == shop.id))}
    assert rows == {(date(2026, 7, 1), PAGE): 4, (date(2026, 7, 1), "reorder"): 3}


def test_the_overviews_today_is_the_shops_day_on_a_clock_change(app, shop):
    """29 March 2026 has 23 hours in Berlin: a mail due at 00:30 on the 30th is tomorrow's, though
    it is due less than 24 hours after the 29th's midnight."""
    order = make_order(shop)
    db.session.flush()
    for sequence, due in enumerate((berlin(2026, 3, 29, 23, 30), berlin(2026, 3, 30, 0, 30))):
        db.session.add(ScheduledMessage(shop_id=shop.id, order_id=order.id, customer_id=order.customer_id,
                                        kind="shipped", sequence=sequence, stream="transactional",
                                        send_at=due,
                                        state=MessageState.PLANNED))
    db.session.commit()
    assert mail_counts(shop.id, shop.timezone, berlin(2026, 3, 29, 12, 0))["planned"] == 1
    # both due by now or today
    assert mail_counts(shop.id, shop.timezone, berlin(2026, 3, 30, 0, 5))["planned"] == 2
