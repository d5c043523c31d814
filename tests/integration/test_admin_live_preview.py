"""The Modules page's live preview: unsaved settings on a sample order, validated like a save,
behind the same sign-in and CSRF check, and never written."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.domain.shop.modules import module_settings
from app.extensions import db
from app.models import SettingChange, Shop, ShopModule
from tests.support.admin_sessions import SHOPIFY_DOMAIN, bearer, csrf_token


def preview(client: FlaskClient, key: str, data: dict[str, str], token: bool = True):
    form = {**data, **({"csrf_token": csrf_token(client)} if token else {})}
    return client.post(f"/admin/modules/{key}/preview", data=form)


def stored(shop: Shop) -> tuple[int, int, dict]:
    db.session.expire_all()
    fresh = db.session.get(Shop, shop.id)
    return (db.session.scalar(select(func.count()).select_from(ShopModule)),
            db.session.scalar(select(func.count()).select_from(SettingChange)),
            module_settings(fresh, "mail_thank_you"))


def planned(page: str) -> datetime:
    return datetime.fromisoformat(re.search(r'data-planned="([^"]+)"', page)[1])


def test_the_mail_preview_shows_unsaved_texts_in_both_languages_and_saves_nothing(wc_admin, wc_shop):
    before = stored(wc_shop)
    response = preview(wc_admin, "mail_thank_you", {"enabled": "on", "texts_de": "Schön, dass du da bist!",
                                                    "texts_en": "Lovely to have you!",
                                                    "voucher_mode": "none"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert 'data-live-mail="de"' in page and "Schön, dass du da bist!" in page
    assert 'data-live-mail="en"' in page and "Lovely to have you!" in page
    assert "The module is off" not in page and "data-closed-days" not in page
    assert stored(wc_shop) == before


def test_the_delivery_estimate_preview_lists_the_typed_origins_closed_days(wc_admin, wc_shop):
    form = {"enabled": "on", "processing_days": "1", "cutoff_hour": "14",
            "transit_days": "DE 1-2, WORLD 5-10"}
    germany = preview(wc_admin, "delivery_estimate", {**form, "origin_country": "DE"}).get_data(as_text=True)
    austria = preview(wc_admin, "delivery_estimate", {**form, "origin_country": "AT"}).get_data(as_text=True)
    closed = [re.search(r"<p class=\"hint\" data-closed-days>([^<]*)</p>", page)[1] for page
              in (germany, austria)]
    assert closed[0] != closed[1] and 'data-live-block="processing"' in austria


def test_the_preview_shows_the_planned_moment_the_typed_delay_gives(wc_admin, wc_shop):
    base = {"enabled": "on", "voucher_mode": "none"}
    seven = planned(preview(wc_admin, "mail_review_request", {**base, "delay_days": "7"})
                    .get_data(as_text=True))
    nine = planned(preview(wc_admin, "mail_review_request", {**base, "delay_days": "9"})
                   .get_data(as_text=True))
    assert abs(nine - seven - timedelta(days=2)) < timedelta(minutes=1)  # two requests' `now`


def test_the_block_preview_shows_the_typed_newsletter_text_with_the_switch_off(wc_admin, wc_shop):
    response = preview(wc_admin, "newsletter",
                       {"text_de": "Jeden Monat neue Stoffe.", "text_en": "New fabrics monthly."})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-live-block="delivered"' in page
    assert "New fabrics monthly." in page  # the admin speaks English here
    assert "The module is off" in page


def test_invalid_input_is_answered_with_the_saves_messages_and_no_preview(wc_admin, wc_shop):
    response = preview(wc_admin, "mail_replenishment", {"enabled": "on", "intervals": "501 30\nshampoo"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-preview-status="invalid"' in page
    assert 'data-error-for="intervals"' in page and "“shampoo” is not a product id" in page
    assert "data-live-mail" not in page


def test_the_preview_needs_the_forms_csrf_token(wc_admin, wc_shop):
    assert preview(wc_admin, "mail_thank_you", {"enabled": "on"}, token=False).status_code == 403


def test_an_unknown_module_has_no_preview(wc_admin, wc_shop):
    assert preview(wc_admin, "mail_nothing", {}).status_code == 404


def test_shopify_previews_with_the_bearer_token(client, shop):
    response = client.post(f"/admin/modules/mail_referral/preview?shop={SHOPIFY_DOMAIN}",
                           data={"share_url": "https://johns-apparel.example/freunde"}, headers=bearer())
    assert (response.status_code == 200 and "https://johns-apparel.example/freunde"
            in response.get_data(as_text=True))
    assert client.post(f"/admin/modules/mail_referral/preview?shop={SHOPIFY_DOMAIN}",
                       data={"share_url": "https://x.example"}).status_code == 401


CONTENT = {"name": "Laden & Co", "locale": "de", "support_email": "hilfe@laden.example", "logo_url": "",
           "primary_color": "#112233", "accent_color": "#aa0000", "imprint": "", "google_place_id": "",
           "trustpilot_domain": "laden.example", "url": "", "instagram": "https://instagram.com/laden",
           "facebook": "", "tiktok": "", "youtube": "", "pinterest": "", "newsletter_url": ""}


def test_the_content_preview_shows_the_typed_sender_and_reply_to_and_saves_nothing(wc_admin, wc_shop):
    response = wc_admin.post("/admin/content/preview", data={**CONTENT, "csrf_token": csrf_token(wc_admin)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-live-block="delivered"' in page
    assert "Laden &amp; Co" in page
    assert "hilfe@laden.example" in page and 'data-live-mail="de"' in page
    db.session.expire_all()
    assert db.session.get(Shop, wc_shop.id).name != "Laden & Co"
    assert module_settings(db.session.get(Shop, wc_shop.id), "review_prompt").get("trustpilot_domain") is None


def test_the_content_preview_refuses_what_the_save_refuses(wc_admin, wc_shop):
    response = wc_admin.post("/admin/content/preview",
                             data={**CONTENT, "primary_color": "red", "csrf_token": csrf_token(wc_admin)})
    assert response.status_code == 422 and 'data-error-for="primary_color"' in response.get_data(as_text=True)
    assert wc_admin.post("/admin/content/preview", data=CONTENT).status_code == 403


def test_an_faq_entry_is_previewed_in_place_of_the_stored_one(wc_admin, wc_shop):
    from app.domain.shop.module_changes import save_module

    stored = {"id": "e1", "question": {"de": "Alt?"}, "answer": {"de": "Alt."}, "scope": "all",
              "product_ids": [],
              "show": "always"}
    save_module(db.session, wc_shop, "faq", enabled=True, settings={"entries": [stored]})
    db.session.commit()
    response = wc_admin.post("/admin/content/faq/e1/preview", data={
        "question_de": "Neu?", "answer_de": "Neu.", "show": "always", "csrf_token": csrf_token(wc_admin)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Neu?" in page and "Alt?" not in page
