"""Links a merchant sets (review page, social profiles, banner, logo) become hrefs on buyer pages:
the admin refuses any that is not a plain https address, and a stored one that slipped past
(an older row, another writer) is still not shown."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.links.tracking_page import tracking_token
from app.models import Shop
from tests.support.admin_sessions import csrf_token
from tests.support.factories import add_parcel, make_order, set_module

# Each looks like https to a check of scheme and netloc alone.
DISGUISED = ["https://instagram.com@evil.example/", "https://evil.example\\@instagram.com/",
             "https://instagram.com/laden\x00", "https://insta gram.com/", "https://:443/",
             "https://instagram.com:99999/"]
CONTENT = {"name": "Laden", "locale": "de", "logo_url": "", "primary_color": "#112233",
           "accent_color": "#aa0000",
           "imprint": "", "google_place_id": "", "trustpilot_domain": "", "url": "", "instagram": "",
           "facebook": "", "tiktok": "", "youtube": "", "pinterest": ""}


@pytest.mark.parametrize("field", ["url", "instagram", "logo_url"])
@pytest.mark.parametrize("evil", DISGUISED)
def test_the_admin_refuses_a_disguised_link(wc_admin, wc_shop, field, evil):
    response = wc_admin.post("/admin/content",
                             data={**CONTENT, field: evil, "csrf_token": csrf_token(wc_admin)})
    assert response.status_code == 422 and b"https://" in response.data
    db.session.expire_all()
    assert evil not in str([m.settings for m in db.session.get(Shop, wc_shop.id).modules])


@pytest.mark.parametrize("evil", DISGUISED)
def test_a_stored_disguised_link_is_not_shown_to_buyers(client, wc_shop, evil):
    set_module(wc_shop, "review_prompt", url=evil)
    set_module(wc_shop, "social", instagram=evil, newsletter_url=evil)
    set_module(wc_shop, "banner", title={"de": "Aktion"}, url=evil, show="always")
    order = make_order(wc_shop, status="delivered")
    add_parcel(order, status="delivered")
    db.session.commit()
    token = tracking_token(order)
    page = client.get(f"/t/{token}").get_data(as_text=True)
    facts = client.get(f"/t/{token}.json").get_json()["modules"]
    assert 'data-module="banner"' in page  # the banner shows, without its link
    assert facts["banner"]["url"] is None and "review_prompt" not in facts and "social" not in facts
    assert "evil.example" not in page and "instagram.com" not in page and "script:" not in page.lower()
