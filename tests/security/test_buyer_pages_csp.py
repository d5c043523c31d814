"""Buyer pages in Chromium under their Content-Security-Policy: everything still shows and every
form still posts without a single violation, an injected foreign resource is refused, and a
`javascript:` tracking link stored for a parcel is nowhere an href."""
from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from app.extensions import db
from app.links.newsletter_confirm import confirm_token
from app.links.tracking_page import tracking_token
from app.links.unsubscribe import unsubscribe_token
from tests.support.app_config import make_config
from tests.support.browser import require_browser
from tests.support.buyer_pages import (
    LOGO_ORIGIN,
    branded_shop,
    delivered_order,
    open_block_in_shop_page,
    shipped_order,
)
from tests.support.factories import set_module

pytestmark = pytest.mark.browser
require_browser()

EVIL = "javascript:alert(document.cookie)"
WATCH = """document.addEventListener('securitypolicyviolation',
  e => (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI));"""
LINKS = """() => [...document.querySelectorAll('[href],[src],[action]')]
  .map(el => el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('action'))"""


@pytest.fixture
def config(database_url, redis_url, encryption_key, live_port):
    # The pages' forms post to APP_URL: here, the live server itself.
    return make_config(database_url, redis_url, encryption_key, APP_URL=f"http://127.0.0.1:{live_port}")


@pytest.fixture
def shop(app):
    shop = branded_shop()
    set_module(shop, "survey")
    set_module(shop, "newsletter")
    db.session.commit()
    return shop


@pytest.fixture
def evil_order(shop):
    """Underway in two parcels; the first one's stored carrier link is a script."""
    order = shipped_order(shop)
    order.shipments[0].tracking_url = EVIL
    db.session.commit()
    return order


class Watched:
    """A page whose CSP violations (console and DOM events) are collected across navigations."""

    def __init__(self, page) -> None:
        self.page, self.console = page, []
        page.on("console", lambda msg: self.console.append(msg.text)
                if "Content Security Policy" in msg.text else None)
        page.add_init_script(WATCH)
        page.route(f"{LOGO_ORIGIN}/**", lambda route: route.fulfill(status=404))

    def open(self, url: str):
        response = self.page.goto(url)
        assert response.status == 200, (url, response.status)
        return self.checked(response)

    def checked(self, response):
        policy = response.headers.get("content-security-policy", "")
        for directive in ("default-src 'self'", "base-uri 'none'", "object-src 'none'", "form-action 'self'"):
            assert directive in policy, (response.url, policy)
        self.assert_clean()
        return response

    def submit(self, selector: str):
        with self.page.expect_navigation() as navigation:
            self.page.click(selector)
        response = navigation.value
        assert response.status in (200, 422), (response.url, response.status)
        return self.checked(response)

    def assert_clean(self) -> None:
        links = self.page.evaluate(LINKS)
        assert not [link for link in links if "script:" in link.lower()], links
        assert self.page.evaluate("window.__csp || []") == [] and self.console == [], self.console


def test_tracking_page_and_embed_run_clean_under_the_policy_and_show_no_script_link(
        live_server, browser_page, evil_order, static_site):
    page = Watched(browser_page)
    token = tracking_token(evil_order)
    page.open(f"{live_server}/t/{token}")
    tracks = browser_page.locator(".as-parcel a").evaluate_all("els => els.map(el => el.href)")
    assert tracks and all(link.startswith("https://") for link in tracks)  # the carriers' own pages
    assert browser_page.get_by_text("Herbstaktion").is_visible()  # the merchant's banner shows

    page.open(f"{live_server}/embed/v1/order-status?{urlencode({'token': token})}")
    assert browser_page.locator(".as-parcel").count() == 2

    # The same fragment inside the shop's page (no policy of ours there): still no script link.
    open_block_in_shop_page(browser_page, live_server, evil_order, "de", static_site)
    links = browser_page.locator("[data-aftersales-block] a").evaluate_all("els => els.map(el => el.href)")
    assert links and not [link for link in links if not link.startswith(("https://", "http://"))], links


def test_the_policy_refuses_what_a_slipped_through_tag_would_load(live_server, browser_page, evil_order):
    page = Watched(browser_page)
    page.open(f"{live_server}/t/{tracking_token(evil_order)}")
    browser_page.evaluate("""document.body.insertAdjacentHTML('beforeend',
        '<img src="http://tracker.example/pixel.gif"><object data="/t/x.swf"></object>')""")
    # Polled from here: wait_for_function evaluates its string in the page, which this very
    # policy forbids ('unsafe-eval'); page.evaluate goes through the debugger protocol instead.
    deadline = time.monotonic() + 10
    while len(browser_page.evaluate("window.__csp || []")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    blocked = browser_page.evaluate("window.__csp")
    assert any(v.startswith("img-src") for v in blocked) and any(v.startswith("object-src") for v in blocked)


def test_forms_of_the_buyer_pages_post_under_the_policy(live_server, browser_page, shop):
    order = delivered_order(shop)
    customer = order.customer
    page = Watched(browser_page)
    token = tracking_token(order)

    page.open(f"{live_server}/t/{token}")  # the survey and the newsletter sign-up, posted from the page
    browser_page.check(".as-survey-form input[value='9']")
    page.submit(".as-survey-form button[type=submit]")
    assert "saved=new" in browser_page.url
    page.open(f"{live_server}/t/{token}")
    page.submit("[data-module=newsletter] button[type=submit]")

    page.open(f"{live_server}/n/{confirm_token(shop.id, customer.id, customer.email)}")
    page.submit("form button[type=submit]")

    page.open(f"{live_server}/s/{shop.shop_key}/track")
    browser_page.fill("#number", "5006")
    browser_page.fill("#email", customer.email)
    page.submit("form button[type=submit]")
    assert "/t/" in browser_page.url and browser_page.get_by_text("#5006").first.is_visible()

    page.open(f"{live_server}/u/{unsubscribe_token(shop.id, customer.email, customer.id)}")
    page.submit("form button[type=submit]")
    assert browser_page.locator("#done").is_visible()
