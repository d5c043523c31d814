"""Admin → Carrier tracking: key state, the shop's own key (tested, encrypted), calls, parcels by source."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import TrackingProviderKey, TrackingUsage
from tests.support.admin_sessions import bearer, csrf_token
from tests.support.factories import add_parcel, carrier_scan, make_order
from tests.support.fakes.tracking_providers import FakeDhl
from tests.support.tracking_setup import due_parcel, poll

PAGE = "/admin/carrier-tracking"
OWN_KEY = "shop-own-dhl-key-42"
NOW = datetime.now(timezone.utc)


@pytest.fixture
def own_dhl(app):
    """DHL that accepts only the shop's own key; no app-wide DHL key."""
    with FakeDhl(OWN_KEY) as fake:
        app.config.update(DHL_API_KEY=None, DHL_API_URL=fake.base_url)
        yield fake


def _state(page: str, provider: str) -> str:
    return html.unescape(re.search(rf'id="{provider}-state"[^>]*>([^<]*)<', page).group(1))


def _save(client, provider: str, key: str, with_token: bool = True):
    form = {"api_key": key}
    if with_token:
        form["csrf_token"] = csrf_token(client, PAGE)
    return client.post(f"{PAGE}/{provider}", data=form)


def test_the_page_is_in_the_nav_and_says_no_key_is_normal(wc_admin):
    page = wc_admin.get("/admin/").get_data(as_text=True)
    assert f'href="{PAGE}"' in page and "Carrier tracking" in page
    page = wc_admin.get(PAGE).get_data(as_text=True)
    assert _state(page, "dhl").startswith("No key: parcels rely on your platform")
    assert _state(page, "17track").startswith("No key")
    assert "/webhooks/tracking/17track" in page


def test_the_app_wide_default_shows_as_in_use(wc_admin, fake_17track):
    assert _state(wc_admin.get(PAGE).get_data(as_text=True), "17track") == "The app's default key is in use."


def test_the_shops_own_key_is_tested_stored_encrypted_and_counted(wc_admin, wc_shop, own_dhl):
    response = _save(wc_admin, "dhl", f"  {OWN_KEY} ")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "key works and is saved" in page
    assert own_dhl.requests[0]["headers"]["Dhl-Api-Key"] == OWN_KEY  # one test call, a number nobody knows
    row = db.session.scalars(select(TrackingProviderKey)).one()
    assert (row.shop_id, row.provider, row.api_key, row.last_error) == (wc_shop.id, "dhl", OWN_KEY, None)
    assert row.verified_at is not None and _state(page, "dhl").startswith("Your own key, verified")
    stored = db.session.execute(text("SELECT api_key FROM tracking_provider_keys")).scalar()
    assert OWN_KEY not in stored  # encrypted at rest
    assert db.session.scalars(select(TrackingUsage)).one().calls == 1
    assert re.search(r'id="dhl-usage">Calls in [A-Za-z]+ \d{4}: <strong>1</strong>', page)
    assert "ending in …y-42" in page and OWN_KEY not in page  # the key itself is never shown again


def test_a_key_the_provider_refuses_is_not_stored(wc_admin, own_dhl):
    response = _save(wc_admin, "dhl", "not-the-right-key")
    assert response.status_code == 422 and "refused this key" in response.get_data(as_text=True)
    assert db.session.scalars(select(TrackingProviderKey)).all() == []


@pytest.mark.parametrize("key", ["", "short", "has a space in it", "x" * 201, "schlüssel-mit-umlaut"])
def test_a_key_that_cannot_be_one_is_422_without_a_call(wc_admin, own_dhl, key):
    response = _save(wc_admin, "dhl", key)
    assert response.status_code == 422 and "8 to 200" in response.get_data(as_text=True)
    assert own_dhl.requests == [] and db.session.scalars(select(TrackingProviderKey)).all() == []


def test_saving_needs_the_forms_csrf_token(wc_admin, own_dhl):
    assert _save(wc_admin, "dhl", OWN_KEY, with_token=False).status_code == 403
    assert own_dhl.requests == []


def test_an_unknown_provider_is_404(wc_admin):
    assert _save(wc_admin, "fedex", OWN_KEY).status_code == 404


def test_a_key_refused_while_polling_shows_in_the_admin(wc_admin, wc_shop, own_dhl):
    db.session.add(TrackingProviderKey(shop_id=wc_shop.id, provider="dhl", api_key="revoked-key-0001",
                                       verified_at=NOW - timedelta(days=3)))
    due_parcel(wc_shop, "00340434161094042557", carrier="DHL", order_id="a")
    poll(NOW)
    page = wc_admin.get(PAGE).get_data(as_text=True)
    assert _state(page, "dhl").startswith("Your own key was refused (refused by dhl: ")
    assert 'id="dhl-state" class="error" role="alert"' in page


def test_a_refused_app_wide_key_shows_too(wc_admin, wc_shop, own_dhl, app):
    app.config["DHL_API_KEY"] = "revoked-app-key"
    due_parcel(wc_shop, "00340434161094042557", carrier="DHL", order_id="a")
    poll(NOW)
    assert "default key was refused" in _state(wc_admin.get(PAGE).get_data(as_text=True), "dhl")


def test_a_paused_key_says_until_when(wc_admin, wc_shop, fake_dhl):
    fake_dhl.answer_429(retry_after=3600)
    due_parcel(wc_shop, "00340434161094042557", carrier="DHL", order_id="a")
    poll(datetime.now(timezone.utc))
    page = wc_admin.get(PAGE).get_data(as_text=True)
    assert 'id="dhl-paused"' in page and "too many requests" in page
    assert 'id="17track-paused"' not in page


def test_removing_the_own_key(wc_admin, wc_shop, own_dhl):
    assert _save(wc_admin, "dhl", OWN_KEY).status_code == 200
    response = wc_admin.post(f"{PAGE}/dhl/remove", data={"csrf_token": csrf_token(wc_admin, PAGE)})
    assert response.status_code == 200 and "key is removed" in response.get_data(as_text=True)
    assert db.session.scalars(select(TrackingProviderKey)).all() == []


def test_a_new_key_brings_parcels_waiting_for_a_provider_forward(wc_admin, wc_shop, own_dhl):
    parcel = due_parcel(wc_shop, "00340434161094042557", carrier="DHL", order_id="a")
    assert poll(NOW)["no_provider"] == 1
    assert _save(wc_admin, "dhl", OWN_KEY).status_code == 200
    db.session.expire_all()
    assert db.session.get(type(parcel), parcel.id).next_poll_at <= datetime.now(timezone.utc)


def test_parcels_by_source(wc_admin, wc_shop):
    order = make_order(wc_shop, placed_at=NOW - timedelta(days=3))
    shipped = NOW - timedelta(days=2)
    carrier_scan(add_parcel(order, shipped_at=shipped), "in_transit", shipped, source="provider:dhl")
    carrier_scan(add_parcel(order, fulfillment_id="f2", shipped_at=shipped), "in_transit", shipped,
                 source="woocommerce:carrier")
    add_parcel(order, fulfillment_id="f3", shipped_at=shipped)
    add_parcel(order, fulfillment_id="f4", shipped_at=NOW - timedelta(days=40))  # older than the window
    db.session.commit()
    page = wc_admin.get(PAGE).get_data(as_text=True)
    counts = dict(re.findall(r'<tr data-source="(\w+)"><td>[^<]*</td><td>(\d+)</td>', page))
    assert counts == {"provider": "1", "platform": "1", "estimate": "1"}


def test_shopify_admin_shows_and_saves_with_the_bearer_token(client, shop, own_dhl):
    page = client.get(f"{PAGE}?shop={shop.domain}", headers=bearer())
    # No `locale` from Shopify here: the shop's own language (German) speaks.
    assert page.status_code == 200 and "Wie Pakete verfolgt werden" in page.get_data(as_text=True)
    response = client.post(f"{PAGE}/dhl?shop={shop.domain}", data={"api_key": OWN_KEY}, headers=bearer())
    assert response.status_code == 200
    assert db.session.scalars(select(TrackingProviderKey)).one().shop_id == shop.id
    assert client.post(f"{PAGE}/dhl?shop={shop.domain}", data={"api_key": OWN_KEY}).status_code == 401
