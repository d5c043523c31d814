"""Where is my order? Status views before delivery, counted through the real block endpoint
and tracking page, folded by the engagement job, and the weekly figures on the Earnings page
checked against a computation made here from what the test did."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.domain.analytics.engagement_counts import buffer, take_all
from app.domain.analytics.week_buckets import complete_weeks
from app.domain.analytics.wismo import wismo_report
from app.extensions import db
from app.jobs.engagement import fold_counts
from app.links.tracking_page import tracking_token
from app.models import EngagementCount, OrderStatusView, Shop
from tests.integration.test_admin_carriers import _tables
from tests.integration.test_block_api import get as get_block
from tests.integration.test_block_api import session_token
from tests.support.admin_sessions import bearer
from tests.support.factories import add_parcel, make_order

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def counts_clean(app):
    buffer.flush()
    take_all()


def _order(shop, number: str, status: str = "shipped"):
    order = make_order(shop, platform_order_id=number, status=status,
                       placed_at=datetime.now(timezone.utc) - timedelta(hours=1))
    order.name = f"#{number}"
    order.customer.email = f"buyer{number}@example.com"
    add_parcel(order, tracking_number=f"0034{number}")
    return order


def _views(client, order, block: int = 0, page: int = 0) -> None:
    for _ in range(block):
        response = get_block(client, session_token(),
                             order_id=f"gid://shopify/OrderIdentity/{order.platform_order_id}")
        assert response.status_code == 200, response.data
    for _ in range(page):
        assert client.get(f"/t/{tracking_token(order)}").status_code == 200


def _deliver(order, at: datetime) -> None:
    order.status = "delivered"
    parcel = order.shipments[0]
    parcel.status, parcel.delivered_at = "delivered", at
    db.session.commit()


def _monday(moment: datetime) -> date:
    local = moment.astimezone(BERLIN).date()
    return local - timedelta(days=local.weekday())


def test_views_before_delivery_and_lookups_make_the_weekly_figures(app, client, shop, counts_clean):
    now = datetime.now(timezone.utc)
    later = now + timedelta(days=7)  # the week running now is then complete: today's lookups show
    shop.installed_at = now - timedelta(days=30)
    other = Shop(platform="shopify", domain="other-shop.myshopify.com", name="Other",
                 access_token="shpat_other", locale="en", installed_at=now - timedelta(days=30))
    db.session.add(other)
    db.session.commit()
    weeks = complete_weeks(later, shop.timezone, 4)
    week_a = weeks.bounds[0] + timedelta(days=2, hours=5)
    week_b = weeks.bounds[2] + timedelta(days=4, hours=1)
    running = weeks.bounds[-1] + (later - weeks.bounds[-1]) / 2  # in the week not yet over

    viewed = _order(shop, "2001")
    unseen = _order(shop, "2002")
    once = _order(shop, "2003")
    underway = _order(shop, "2004")
    delivered_first = _order(shop, "2005", status="delivered")
    too_recent = _order(shop, "2006")
    elsewhere = _order(other, "2001")
    db.session.commit()

    _views(client, viewed, block=2, page=1)
    _views(client, once, page=1)
    _views(client, underway, block=4)
    _views(client, delivered_first, block=2, page=1)  # delivered already: not before delivery
    _views(client, too_recent, page=2)
    _views(client, elsewhere, page=3)
    _deliver(viewed, week_a)
    _deliver(unseen, week_a)
    _deliver(once, week_b)
    _deliver(too_recent, running)
    _deliver(elsewhere, week_a)
    _views(client, viewed, block=2, page=1)  # after delivery: not counted
    _views(client, once, page=1)
    before = {viewed.id: 3, once.id: 1, underway.id: 4, too_recent.id: 2}

    for number, email in (("2001", "buyer2001@example.com"), ("#2003", "BUYER2003@example.com"),
                          ("2004", "buyer2004@example.com"), ("2004", "someone@example.com")):
        client.post(f"/s/{shop.shop_key}/track", data={"number": number, "email": email})
    response = client.post(f"/s/{other.shop_key}/track",
                           data={"number": "2001", "email": "buyer2001@example.com"})
    assert response.status_code == 303
    fold_counts()

    stored = {row.order_id: (row.shop_id, row.views)
              for row in db.session.scalars(select(OrderStatusView))}
    assert stored == {**{order_id: (shop.id, n) for order_id, n in before.items()},
                      elsewhere.id: (other.id, 3)}
    lookups = {(row.shop_id, row.day): row.views for row in db.session.scalars(
        select(EngagementCount).where(EngagementCount.surface == "lookup"))}
    today = now.astimezone(BERLIN).date()  # the shops' own day (both in Europe/Berlin)
    assert lookups == {(shop.id, today): 3, (other.id, today): 1}

    # What the figures must be, from what was done above.
    expected: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for order, at in ((viewed, week_a), (unseen, week_a), (once, week_b)):
        week = expected[_monday(at)]
        week[0] += 1
        week[1] += before.get(order.id, 0) > 0
        week[2] += before.get(order.id, 0)
    expected[_monday(now)][3] += 3
    report = wismo_report(db.session, db.session.get(Shop, shop.id), later)
    got = {w.monday: [w.delivered, w.checked, w.views, w.lookups] for w in report.weeks}
    assert {k: v for k, v in got.items() if any(v)} == dict(expected)
    install_monday = _monday(shop.installed_at.replace(tzinfo=timezone.utc))
    assert [w.since_install for w in report.weeks] == [
        (w.monday - install_monday).days // 7 for w in report.weeks]
    assert report.weeks[-1].monday == _monday(now)  # the week before `later`
    first = next(w for w in report.weeks if w.monday == _monday(week_a))
    assert (first.share, first.average_views) == (0.5, 1.5)

    elsewhere_report = wismo_report(db.session, db.session.get(Shop, other.id), later)
    assert [(w.delivered, w.views, w.lookups) for w in elsewhere_report.weeks
            if w.delivered or w.lookups] == [(1, 3, 0), (0, 0, 1)]


def _admin(client, shop, locale: str) -> str:
    response = client.get(f"/admin/earnings?shop={shop.domain}&locale={locale}", headers=bearer())
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_section_renders_in_german_and_english_with_its_csv(app, client, shop, counts_clean):
    now = datetime.now(timezone.utc)
    shop.installed_at = now - timedelta(days=22)
    db.session.commit()
    delivered_on = complete_weeks(now, shop.timezone, 2).bounds[0] + timedelta(days=1)
    orders = [_order(shop, str(3000 + n)) for n in range(4)]
    db.session.commit()
    _views(client, orders[0], block=1)
    _views(client, orders[1], page=2)
    for order in orders:
        _deliver(order, delivered_on)
    fold_counts()

    english = _admin(client, shop, "en")
    assert "Where is my order?" in english
    assert "A view is no proof that a question was avoided" in english
    table = _tables(english)["wismo-table"]
    assert table[0] == ["Week starting", "Week since install", "Orders delivered",
                        "Checked status here", "Share checked here",
                        "Views before delivery (average)", "Orders found with the form"]
    assert ["4", "2", "50%", "0.75", "0"] in [row[2:] for row in table[1:]]
    assert 'id="wismo-share-title"' in english  # the weekly share's line

    german = _admin(client, shop, "de")
    assert "Wo ist meine Bestellung?" in german
    assert "Ein Aufruf beweist nicht, dass dir eine Frage erspart blieb." in german
    rows = _tables(german)["wismo-table"]
    assert rows[0][0] == "Woche ab"
    assert ["4", "2", "50\xa0%", "0,75", "0"] in [row[2:] for row in rows[1:]]

    exported = client.get(f"/admin/earnings?shop={shop.domain}&locale=en&format=wismo-csv",
                          headers=bearer())
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == table[0]
    week = _monday(delivered_on).isoformat()
    [line] = [line for line in lines if line[0] == week]
    assert line[2:] == ["4", "2", "50%", "0.75", "0"]
    assert len(lines) == len(table)


def test_no_complete_week_yet_says_so(app, client, shop):
    shop.installed_at = datetime.now(timezone.utc)
    db.session.commit()
    page = _admin(client, shop, "en")
    assert 'id="wismo-none"' in page and "No complete week since the app was installed" in page
