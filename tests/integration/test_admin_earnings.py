"""The admin's Earnings page over a seeded history: the module table and its CSV say what
the report says, the chart has its figures, the holdout verdict, the period switch, and the
measuring settings (validated, stored, used by the attribution)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from app.domain.analytics.attribution import windows
from app.domain.analytics.earnings import earnings_report
from app.domain.analytics.engagement_counts import CLICKS, buffer, count_view, take_counts
from app.domain.analytics.holdout import holdout_percent
from app.extensions import db
from app.jobs.engagement import attribute_and_purge, fold_counts
from app.models import Shop
from app.read_model.loads import load_modules
from tests.integration.test_admin_carriers import _tables
from tests.support import engagement_history as history_gen
from tests.support.admin_sessions import csrf_token
from tests.support.factories import set_module


def seed(shop, customers=2500):
    buffer.flush()
    take_counts()
    now = datetime.now(timezone.utc)
    set_module(shop, "measurement", holdout_percent=5)  # the share the history was drawn with
    db.session.commit()
    history = history_gen.generate(now, shop.holdout_salt, 0.05, customers=customers)
    history_gen.seed_history(shop, history)
    for click in history.clicks:  # what the redirect counted for them
        surface = "mail" if click.from_mail else "onpage"
        buffer.add(shop.id, surface, (click.module,), CLICKS, click.at.date())
    for _ in range(7):
        count_view(shop.id, "block", ("delivery_status", "reorder", "banner"))
    for _ in range(3):
        count_view(shop.id, "page", ("delivery_status", "reorder"))
    fold_counts()
    attribute_and_purge(now)
    return now


def fresh(shop_id) -> Shop:
    db.session.expire_all()
    shop = db.session.get(Shop, shop_id)
    load_modules(db.session, shop)
    return shop


def test_the_table_its_csv_and_the_holdout_tell_the_same(wc_admin, wc_shop):
    now = seed(wc_shop)
    page = wc_admin.get("/admin/earnings?days=90").get_data(as_text=True)
    report = earnings_report(db.session, fresh(wc_shop.id), 90, now)
    table = _tables(page)["earnings-table"]
    assert table[0] == ["Module", "Views", "Clicks", "Orders credited",
                        "Revenue credited (after refunds)"]
    by_name = {row[0]: row for row in table[1:]}
    reorder = next(line for line in report.lines if line.module == "reorder")
    assert by_name["Reorder"][1:4] == [str(reorder.views), str(reorder.clicks), str(reorder.orders)]
    assert reorder.views == 10 and reorder.orders > 0 and reorder.clicks > reorder.orders
    assert by_name["Reorder"][4] == f"€{reorder.revenue:,.2f}"
    assert "shown 7 times and the tracking page 3 times" in page
    assert 'aria-current="page">Last 90 days' in page
    assert "Revenue credited to modules per week" in page
    assert len(_tables(page)["earned-table"]) == 1 + 13  # a header, 13 weeks

    uplift = _tables(page)["uplift-table"]
    assert uplift[1] == ["Orders", str(report.uplift.treated_orders),
                         str(report.uplift.holdout_orders)]
    verdict = "The modules added about" if report.uplift.tells else "Too little data to tell."
    assert verdict in page

    exported = wc_admin.get("/admin/earnings?days=90&format=csv")
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="earnings-90-days.csv"' in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Module", "Views", "Clicks", "Orders credited"]
    assert {row[0]: row[4] for row in rows[1:]}["Reorder"] == f"{reorder.revenue:.2f}"
    assert len(rows) == len(table)


def test_a_week_says_too_little_data(wc_admin, wc_shop):
    seed(wc_shop, customers=600)
    page = wc_admin.get("/admin/earnings?days=7").get_data(as_text=True)
    assert "Too little data to tell." in page and 'aria-current="page">Last 7 days' in page
    assert wc_admin.get("/admin/earnings?days=12").status_code == 200  # unknown: the default


def test_the_measuring_settings_are_validated_and_used(wc_admin, wc_shop):
    token = csrf_token(wc_admin, "/admin/earnings")
    bad = wc_admin.post("/admin/earnings", data={"csrf_token": token, "window_on_page_days": "0",
                                                 "window_mail_days": "5", "holdout_percent": "80"})
    assert bad.status_code == 422
    assert holdout_percent(fresh(wc_shop.id)) == 0  # the test config's default: nothing stored
    good = wc_admin.post("/admin/earnings", data={"csrf_token": token, "window_on_page_days": "2",
                                                  "window_mail_days": "7", "holdout_percent": "10"})
    assert good.status_code == 200 and "Measuring settings saved." in good.get_data(as_text=True)
    shop = fresh(wc_shop.id)
    assert windows(shop) == (timedelta(days=2), timedelta(days=7)) and holdout_percent(shop) == 10
    page = wc_admin.get("/admin/earnings").get_data(as_text=True)
    assert 'name="holdout_percent" value="10"' in page
