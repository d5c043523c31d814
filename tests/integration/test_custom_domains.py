"""Custom domains: the host decides which shop's tracking page and lookup a request may see."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.domain.followups.sync import sync_followups
from app.domain.shop.custom_domain_proof import PROVEN, check, expected_token, take
from app.domain.shop.custom_domains import challenge_name, host_name, parse_custom_domain
from app.extensions import db
from app.jobs.dispatch import dispatch_due
from app.links.tracking_page import lookup_url, read_tracking_token, tracking_token, tracking_url
from app.models import ScheduledMessage, Shop
from tests.support.admin_sessions import csrf_token
from tests.support.factories import add_parcel, make_order

APP_URL = "https://app.example.test"
DOMAIN = "track.johns-apparel.de"

# The send job reads the wall clock: a shipping notice planned at a fixed date would be
# skipped as stale once that date lies three days back.
NOW = datetime.now(timezone.utc)


@pytest.fixture
def own_shop(shop, fake_dns):
    """The shop holding DOMAIN, proven through its TXT record on the (local) DNS."""
    shop.custom_domain = DOMAIN
    db.session.commit()
    fake_dns.publish(challenge_name(DOMAIN), expected_token(shop.id, DOMAIN))
    assert check(shop.id, DOMAIN) == PROVEN
    take(db.session, shop, DOMAIN, NOW)
    db.session.commit()
    return shop


@pytest.fixture
def other_shop(app):
    other = Shop(platform="shopify", domain="other.myshopify.com", name="Other Shop", locale="en")
    db.session.add(other)
    db.session.commit()
    return other


def order_of(shop, number="1001"):
    order = make_order(shop, platform_order_id=number)
    order.name = f"#{number}"
    add_parcel(order, shipped_at=NOW)
    db.session.commit()
    return order


@pytest.mark.parametrize(("typed", "stored", "error"), [
    ("track.example.de", "track.example.de", None),
    ("  Track.Example.DE. ", "track.example.de", None),
    ("sendung.müller-shop.de", "sendung.xn--mller-shop-9db.de", None),
    ("", None, None),
    ("https://track.example.de", None, "host name only"),
    ("track.example.de/path", None, "host name only"),
    ("track.example.de:8443", None, "host name only"),
    ("192.168.0.1", None, "not a valid host name"),
    ("localhost", None, "not a valid host name"),
    ("-bad-.example.de", None, "not a valid host name"),
    ("app.example.test", None, "app's own address"),
])
def test_what_a_merchant_may_enter(typed, stored, error):
    domain, message = parse_custom_domain(typed, APP_URL)
    assert domain == stored
    assert (message is None) if error is None else (error in message)


@pytest.mark.parametrize(("header", "name"), [
    ("Track.Example.de:443", "track.example.de"), ("[::1]:8000", "::1"), ("example.de.", "example.de"),
    ("127.0.0.1:5000", "127.0.0.1")])
def test_host_names_are_compared_bare(header, name):
    assert host_name(header) == name


def test_the_custom_domain_shows_its_own_shops_tracking_page(client, own_shop):
    order = order_of(own_shop)
    page = client.get(f"/t/{tracking_token(order)}", headers={"Host": DOMAIN})
    assert page.status_code == 200
    assert "00340434161094042557" in page.get_data(as_text=True)
    facts = client.get(f"/t/{tracking_token(order)}.json", headers={"Host": DOMAIN}).get_json()
    assert facts["order"]["name"] == "#1001"


def test_another_shops_order_is_404_on_a_custom_domain(client, own_shop, other_shop):
    foreign = order_of(other_shop, "2002")
    for path in (f"/t/{tracking_token(foreign)}", f"/t/{tracking_token(foreign)}.json"):
        response = client.get(path, headers={"Host": DOMAIN})
        assert response.status_code == 404
        assert b"#2002" not in response.data and b"Other Shop" not in response.data
    # The same link on our own host still works (mails sent before a domain was set).
    assert client.get(f"/t/{tracking_token(foreign)}",
                      headers={"Host": "app.example.test"}).status_code == 200


def test_an_unknown_host_is_a_clear_404_for_every_page(client, own_shop):
    order = order_of(own_shop)
    for path in (f"/t/{tracking_token(order)}", f"/t/{tracking_token(order)}.json", "/",
                 f"/s/{own_shop.shop_key}/track", "/admin/", "/api/v1/order-status", "/shopify/app"):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 404, path
        assert b"#1001" not in response.data and b"John" not in response.data
    assert b"evil.example is not set up here" in client.get("/admin/", headers={"Host": "evil.example"}).data
    assert client.get("/healthz", headers={"Host": "10.1.2.3:8000"}).status_code == 200


def test_a_custom_domain_serves_nothing_but_tracking_and_lookup(client, own_shop):
    for path in ("/admin/", "/embed/v1/order-status", f"/s/{own_shop.shop_key}/track", "/dev/mailbox/"):
        assert client.get(path, headers={"Host": DOMAIN}).status_code == 404, path
    assert client.post("/webhooks/shopify", headers={"Host": DOMAIN}).status_code == 404


@pytest.fixture
def config(config, request):
    """The suite's config, plus what a test asks for with `indirect` parametrisation."""
    return {**config, **getattr(request, "param", {})}


@pytest.mark.parametrize("config", [{"TRUSTED_PROXY_COUNT": 1}], indirect=True)
def test_forwarded_host_decides_behind_the_proxy(client, own_shop, other_shop):
    """Behind a trusted proxy (TRUSTED_PROXY_COUNT=1) X-Forwarded-Host decides: the proxy
    talks to us by an internal name. Without it the header is ignored (tests/security)."""
    order, foreign = order_of(own_shop), order_of(other_shop, "2002")
    inside = {"Host": "10.0.0.7:8000", "X-Forwarded-Host": DOMAIN, "X-Forwarded-Proto": "https"}
    assert client.get(f"/t/{tracking_token(order)}", headers=inside).status_code == 200
    assert client.get(f"/t/{tracking_token(foreign)}", headers=inside).status_code == 404
    spoofed = {"Host": "localhost", "X-Forwarded-Host": "evil.example"}
    assert client.get(f"/t/{tracking_token(order)}", headers=spoofed).status_code == 404


def test_internal_names_can_be_declared_ours(app, own_shop):
    order = order_of(own_shop)
    app.config["APP_HOST_ALIASES"] = ("aftersales.internal",)
    client = app.test_client()
    assert client.get(f"/t/{tracking_token(order)}",
                      headers={"Host": "aftersales.internal"}).status_code == 200
    assert client.get("/admin/", headers={"Host": "aftersales.internal"}).status_code != 404


def test_the_lookup_lives_at_the_custom_domains_root(client, own_shop, other_shop):
    order, foreign = order_of(own_shop), order_of(other_shop, "1002")
    foreign.customer.email = "buyer-1001@example.com"  # same buyer address at another shop
    db.session.commit()
    form = client.get("/", headers={"Host": DOMAIN})
    assert form.status_code == 200
    assert "<title>Bestellung verfolgen · John&#39;s Apparel</title>" in form.get_data(as_text=True)
    found = client.post("/", data={"number": "1001", "email": "buyer-1001@example.com"},
                        headers={"Host": DOMAIN})
    assert found.status_code == 303
    assert read_tracking_token(found.headers["Location"].removeprefix("/t/")) == (own_shop.id, order.id)
    assert client.get(found.headers["Location"], headers={"Host": DOMAIN}).status_code == 200
    # The other shop's order 1002 is not found here, whoever's address is typed.
    missed = client.post("/", data={"number": "1002", "email": "buyer-1001@example.com"},
                         headers={"Host": DOMAIN})
    assert missed.status_code == 404
    assert client.get("/", headers={"Host": "app.example.test"}).status_code == 404


def test_links_the_app_makes_use_the_custom_domain(app, client, own_shop, smtp_inbox, run_jobs):
    order = order_of(own_shop)
    assert tracking_url(order).startswith(f"https://{DOMAIN}/t/")
    assert lookup_url(own_shop) == f"https://{DOMAIN}/"
    # The shipped mail links to the tracking page on the shop's domain.
    sync_followups(db.session, [order], NOW)
    db.session.commit()
    assert "shipped" in db.session.scalars(select(ScheduledMessage.kind)).all()
    dispatch_due(NOW + timedelta(minutes=1))
    run_jobs()
    (mail,) = smtp_inbox
    text = mail["mail"].get_body(("plain",)).get_content()
    linked = re.findall(r"https://([^/\s]+)/t/([\w.-]+)", text)
    assert linked and all(host == DOMAIN for host, _ in linked)
    assert {read_tracking_token(token) for _, token in linked} == {(own_shop.id, order.id)}
    # The embed's no-JavaScript link lands there too.
    redirect = client.get("/embed/v1/order-page", query_string={"token": tracking_token(order)})
    assert redirect.status_code == 303
    assert redirect.headers["Location"].startswith(f"https://{DOMAIN}/t/")


def test_without_a_custom_domain_links_stay_on_the_app(shop):
    order = order_of(shop)
    assert tracking_url(order).startswith(f"{APP_URL}/t/")
    assert lookup_url(shop) == f"{APP_URL}/s/{shop.shop_key}/track"


def test_one_host_belongs_to_one_shop_in_the_database(own_shop, other_shop):
    other_shop.custom_domain = DOMAIN
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_merchant_sets_and_clears_the_domain_in_the_admin(wc_admin, wc_shop, other_shop, fake_dns):
    token = csrf_token(wc_admin, "/admin/tracking-address")
    page = wc_admin.get("/admin/tracking-address").get_data(as_text=True)
    assert f"/s/{wc_shop.shop_key}/track" in page and "CNAME app.example.test" in page

    saved = wc_admin.post("/admin/tracking-address",
                          data={"csrf_token": token, "custom_domain": "Track.Laden.de"})
    assert saved.status_code == 200
    text = saved.get_data(as_text=True)
    assert "Saved track.laden.de." in text and "Not proven yet." in text
    # Until proven, links stay on the app; the page shows the record to publish.
    assert f'id="lookup-url">{APP_URL}/s/{wc_shop.shop_key}/track</a>' in text
    name = re.search(r'id="challenge-name">([^<]+)<', text).group(1)
    value = re.search(r'id="challenge-value">([^<]+)<', text).group(1)
    assert name == "_aftersales-challenge.track.laden.de"
    db.session.refresh(wc_shop)
    assert wc_shop.custom_domain == "track.laden.de" and wc_shop.custom_domain_verified_at is None

    fake_dns.publish(name, "v=spf1 -all", value)
    checked = wc_admin.post("/admin/tracking-address/check",
                            data={"csrf_token": token, "custom_domain": "track.laden.de"})
    assert checked.status_code == 200
    assert "Proven: tracking pages now open on track.laden.de." in checked.get_data(as_text=True)
    assert 'id="lookup-url">https://track.laden.de/</a>' in checked.get_data(as_text=True)
    db.session.refresh(wc_shop)
    assert wc_shop.custom_domain_verified_at is not None

    other_shop.custom_domain = "track.other.de"
    db.session.commit()
    taken = wc_admin.post("/admin/tracking-address",
                          data={"csrf_token": token, "custom_domain": "track.other.de"})
    assert taken.status_code == 422
    assert "Another shop already uses this host name." in taken.get_data(as_text=True)
    bad = wc_admin.post("/admin/tracking-address",
                        data={"csrf_token": token, "custom_domain": "https://x.de/"})
    assert bad.status_code == 422
    assert re.search(r'aria-invalid="true" aria-describedby="e-custom_domain"', bad.get_data(as_text=True))
    db.session.refresh(wc_shop)
    assert wc_shop.custom_domain == "track.laden.de"

    cleared = wc_admin.post("/admin/tracking-address", data={"csrf_token": token, "custom_domain": ""})
    assert "Tracking pages use the app&#39;s address." in cleared.get_data(as_text=True)
    db.session.refresh(wc_shop)
    assert wc_shop.custom_domain is None


def test_the_tracking_pages_forms_post_on_the_custom_domain_for_its_own_shop_only(client, own_shop,
                                                                                  other_shop):
    """The page's survey form posts under the page's own address; another shop's order is 404 there."""
    from tests.support.factories import set_module

    set_module(own_shop, "survey", before_delivery=True)
    set_module(other_shop, "survey", before_delivery=True)
    order, foreign = order_of(own_shop), order_of(other_shop, "2002")
    page = client.get(f"/t/{tracking_token(order)}", headers={"Host": DOMAIN}).get_data(as_text=True)
    # Signed when the page is rendered: the same order's token, perhaps of another second.
    action = re.search(rf'action="https://{re.escape(DOMAIN)}/t/([^/"]+)/survey"', page)
    assert action and read_tracking_token(action.group(1)) == (own_shop.id, order.id)
    answered = client.post(f"/t/{tracking_token(order)}/survey", data={"score": "8"},
                           headers={"Host": DOMAIN})
    assert answered.status_code == 303
    assert client.post(f"/t/{tracking_token(foreign)}/survey", data={"score": "8"},
                       headers={"Host": DOMAIN}).status_code == 404
