"""The activity log: every admin save says who, when and what; secrets only as "changed"."""
from html import unescape

import pytest
from sqlalchemy import select

from app.domain.shop.setting_changes import describe_changes
from app.extensions import db
from app.models import SettingChange
from tests.integration.test_admin_forms import CONTENT, LEGAL, post
from tests.support.admin_sessions import SHOPIFY_DOMAIN, bearer, csrf_token
from tests.support.fakes.tracking_providers import FakeDhl

OWN_KEY = "shop-own-dhl-key-42"
NEXT_KEY = "shop-next-dhl-key-77"


def _changes():
    db.session.expire_all()
    return db.session.scalars(select(SettingChange).order_by(SettingChange.id)).all()


def test_a_module_save_shows_who_and_which_fields(wc_admin, wc_shop):
    post(wc_admin, "/admin/modules/delivery_estimate",
         {"enabled": "on", "processing_days": "2", "cutoff_hour": "12",
                                                         "origin_country": "at",
                                                         "transit_days": "AT 1-2, WORLD 6-12"})
    [change] = _changes()
    assert (change.shop_id, change.actor, change.area) == (wc_shop.id, "WordPress user 7",
                                                           "delivery_estimate")
    assert change.summary.split("\n") == [  # from the defaults the module had
        "processing_days: 1 → 2", "cutoff_hour: 14 → 12", "origin_country: DE → AT",
        'transit_days: {"DE": [1, 2], "EU": [2, 5], "WORLD": [5, 10]} → {"AT": [1, 2], "WORLD": [6, 12]}']
    post(wc_admin, "/admin/modules/delivery_estimate", {"processing_days": "2", "cutoff_hour": "12",
                                                         "origin_country": "AT",
                                                         "transit_days": "AT 1-2, WORLD 6-12"})
    assert _changes()[-1].summary == "enabled: on → off"
    page = unescape(wc_admin.get("/admin/activity").get_data(as_text=True))
    assert "Modules: Delivery estimate" in page and "WordPress user 7" in page and "enabled: on → off" in page


def test_a_content_save_by_a_shopify_user_lists_old_and_new_values(client, shop):
    response = client.post(f"/admin/content?shop={SHOPIFY_DOMAIN}", headers=bearer(),
                           data={**CONTENT, "support_email": "service@johns-apparel.example"})
    assert response.status_code == 200
    [change] = _changes()
    assert (change.actor, change.area) == ("Shopify user 42", "content")
    lines = change.summary.split("\n")
    assert "name: John's Apparel → Laden & Co" in lines and "locale: de → en" in lines
    assert "support_email: hilfe@johns-apparel.example → service@johns-apparel.example" in lines
    assert "primary_color: #1a1a1a → #112233" in lines
    # unchanged: not listed
    assert not [line for line in lines if line.startswith(("google_place_id", "facebook"))]
    page = unescape(client.get(f"/admin/activity?shop={SHOPIFY_DOMAIN}", headers=bearer())
                    .get_data(as_text=True))
    assert "Content & branding" in page and "Shopify user 42" in page and "locale: de → en" in page


def test_a_save_that_changes_nothing_is_not_logged(wc_admin, wc_shop):
    post(wc_admin, "/admin/legal", LEGAL)
    post(wc_admin, "/admin/legal", LEGAL)
    [change] = _changes()
    assert change.area == "legal" and "existing_customer_exemption: off → on" in change.summary


def test_a_provider_key_shows_as_changed_and_never_itself(app, wc_admin, wc_shop):
    with FakeDhl(OWN_KEY) as fake:
        app.config.update(DHL_API_KEY=None, DHL_API_URL=fake.base_url)
        for key in (OWN_KEY, NEXT_KEY):
            fake.key = key  # the provider accepts it: saved
            response = wc_admin.post("/admin/carrier-tracking/dhl", data={
                "api_key": key, "csrf_token": csrf_token(wc_admin, "/admin/carrier-tracking")})
            assert response.status_code == 200, response.data
    wc_admin.post("/admin/carrier-tracking/dhl/remove",
                  data={"csrf_token": csrf_token(wc_admin, "/admin/carrier-tracking")})
    changes = _changes()
    assert [c.summary for c in changes] == ["dhl api_key: changed", "dhl api_key: changed",
                                            "dhl api_key: removed"]
    page = wc_admin.get("/admin/activity").get_data(as_text=True)
    for key in (OWN_KEY, NEXT_KEY):
        assert key not in page and key[-4:] not in page
        assert not [c for c in changes if key in c.summary or key[-4:] in c.summary]


@pytest.mark.parametrize("before,after,expected", [
    ({"a": ""}, {"a": None}, []),
    ({"a": False}, {"a": True}, ["a: off → on"]),
    ({"key": "old-secret"}, {"key": "new-secret"}, ["key: changed"]),
    ({"t": "x" * 200}, {"t": "y"}, ["t: " + "x" * 79 + "… → y"]),
])
def test_changes_are_described_short_and_without_secrets(before, after, expected):
    assert describe_changes(before, after, secrets=("key",)) == expected
