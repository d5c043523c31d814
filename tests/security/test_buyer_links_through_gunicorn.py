"""The click redirect (/c/<token>) and find-my-order (/s/<shop_key>/track) as the world meets
them: plain HTTP to the app under gunicorn with two worker processes, a link checker's HEAD,
a stranger's forged or borrowed token, a guesser walking the form. What each counted must
reach the tables once the workers stop (their buffers flush on a graceful exit)."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from app.domain.analytics.engagement_counts import buffer, take_counts
from app.extensions import db
from app.jobs.engagement import fold_counts
from app.links import signer
from app.links.module_clicks import click_url
from app.links.tracking_page import tracking_token
from app.models import EngagementCount, ModuleClick
from bench.servers import gunicorn
from tests.integration.test_faults import process_env
from tests.support.factories import make_order

CART = "https://johns-apparel.myshopify.com/cart/4001:1"


def _counted(shop_id: int) -> dict[tuple[str, str], tuple[int, int]]:
    rows = db.session.scalars(select(EngagementCount).where(EngagementCount.shop_id == shop_id))
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for row in rows:  # summed over days: what day a count falls on is tested elsewhere
        views, clicks = totals.get((row.surface, row.module), (0, 0))
        totals[row.surface, row.module] = (views + row.views, clicks + row.clicks)
    return totals


@pytest.mark.slow
def test_click_links_and_order_lookup_under_gunicorn(config, app, shop):
    buffer.flush()
    take_counts()
    order = make_order(shop, platform_order_id="1042")
    db.session.commit()
    link = click_url(order, "reorder", CART).removeprefix(app.config["APP_URL"])
    with app.test_request_context():
        app.config["SECRET_KEY"] = "an attacker's guess"
        forged = click_url(order, "reorder", "https://evil.example/").removeprefix(app.config["APP_URL"])
        app.config["SECRET_KEY"] = config["SECRET_KEY"]
        borrowed = "/c/" + tracking_token(order)  # a genuine token of another purpose
        review = "/c/" + signer.sign("review-click", {"m": 1})
    email = order.customer.email
    form = f"/s/{shop.shop_key}/track"

    with gunicorn("app:create_app()", process_env(config), probe="/healthz/live") as base, \
            httpx.Client(base_url=base, follow_redirects=False) as browser:
        checker = browser.head(link)
        assert (checker.status_code, checker.headers["location"]) == (302, CART)
        for bad, status in ((forged, 401), (borrowed, 401), (review, 401), ("/c/v1.e30.x", 400)):
            refused = browser.get(bad)
            assert (refused.status_code, "location" in refused.headers) == (status, False), bad
        clicked = browser.get(link)
        assert (clicked.status_code, clicked.headers["location"]) == (302, CART)
        assert clicked.headers["cache-control"] == "no-store"
        assert clicked.headers["referrer-policy"] == "no-referrer"

        page = browser.get(form)
        assert page.status_code == 200 and "content-security-policy" in page.headers
        wrong_address = browser.post(form, data={"number": "1001", "email": "someone@example.com"})
        wrong_number = browser.post(form, data={"number": "9999", "email": email})
        # Which half was wrong is not told.
        assert wrong_address.status_code == wrong_number.status_code == 404
        assert wrong_address.text.replace("9999", "1001") == wrong_number.text.replace("9999", "1001")
        found = browser.post(form, data={"number": "#1001", "email": email.upper()})
        assert found.status_code == 303 and found.headers["location"].startswith("/t/")
        tracking = browser.get(found.headers["location"])
        assert tracking.status_code == 200 and "#1001" in tracking.text
        # Five tries per shop and address in ten minutes, counted in Redis: across both workers.
        statuses = [browser.post(form, data={"number": str(n), "email": email}).status_code
                    for n in range(9001, 9005)]
        assert statuses == [404, 404, 404, 429]

    assert fold_counts() > 0
    counted = _counted(shop.id)
    assert counted[("onpage", "reorder")] == (0, 1)  # the HEAD and the refused ones: nothing
    assert counted[("lookup", "page")] == (1, 0)
    [kept] = db.session.scalars(select(ModuleClick)).all()
    assert (kept.source_order_id, kept.module, kept.from_mail) == (order.id, "reorder", False)
