"""Every admin form: valid input saves at once, invalid input explains itself, CSRF is required."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.domain.shop.modules import module_enabled, module_settings
from app.extensions import db
from app.jobs.messages import fatigue_rules, mail_sender
from app.models import Customer, MessageState, Order, ScheduledMessage, Shipment
from tests.support.admin_sessions import SHOPIFY_DOMAIN, bearer, csrf_token
from tests.support.confirmed_addresses import confirm_test_address

CONTENT = {"name": "Laden & Co", "locale": "en", "logo_url": "https://laden.example/logo.png",
           "primary_color": "#112233", "accent_color": "#AA0000", "imprint": "Laden GmbH, Berlin",
           "google_place_id": "", "trustpilot_domain": "laden.example", "url": "",
           "instagram": "https://instagram.com/laden", "facebook": "", "tiktok": "", "youtube": "",
           "pinterest": ""}
LEGAL = {"existing_customer_exemption": "on", "objection_text": "Sie können jederzeit widersprechen.",
         "quiet_start": "22", "quiet_end": "7", "min_gap_hours": "24", "max_per_30_days": "3"}


def post(client, path, data, token=True):
    form = dict(data)
    if token:
        form["csrf_token"] = csrf_token(client)
    return client.post(path, data=form)


def fresh(shop):
    db.session.expire_all()
    return db.session.get(type(shop), shop.id)


# Modules


def test_switching_a_module_off_hides_it_from_the_block_preview(wc_admin, wc_shop):
    assert b'data-module="reorder"' in wc_admin.get("/admin/previews").data
    response = post(wc_admin, "/admin/modules/reorder", {})
    assert response.status_code == 200 and b"Buy again is off" in response.data
    assert module_enabled(fresh(wc_shop), "reorder") is False
    assert b'data-module="reorder"' not in wc_admin.get("/admin/previews").data


def test_module_settings_are_validated_and_saved(wc_admin, wc_shop):
    response = post(wc_admin, "/admin/modules/delivery_estimate",
                    {"enabled": "on", "processing_days": "2", "cutoff_hour": "12", "origin_country": "at",
                     "transit_days": "AT 1-2, EU 2-4, WORLD 6-12"})
    assert response.status_code == 200
    settings = module_settings(fresh(wc_shop), "delivery_estimate")
    assert settings["origin_country"] == "AT" and settings["processing_days"] == 2
    assert settings["transit_days"] == {"AT": [1, 2], "EU": [2, 4], "WORLD": [6, 12]}


@pytest.mark.parametrize("field,value,message", [
    ("processing_days", "99", b"from 0 to 30"),
    ("cutoff_hour", "noon", b"from 0 to 23"),
    ("origin_country", "Germany", b"two-letter country code"),
    ("transit_days", "DE 1-2", b"Add a WORLD entry"),
    ("transit_days", "DE 5-1, WORLD 1-2", b"is not like"),
])
def test_invalid_module_settings_are_refused_with_a_message(wc_admin, wc_shop, field, value, message):
    form = {"enabled": "on", "processing_days": "1", "cutoff_hour": "14", "origin_country": "DE",
            "transit_days": "DE 1-2, WORLD 5-10", field: value}
    response = post(wc_admin, "/admin/modules/delivery_estimate", form)
    assert response.status_code == 422 and message in response.data
    assert b'aria-invalid="true"' in response.data
    assert not [m for m in fresh(wc_shop).modules if m.key == "delivery_estimate"]


def test_module_form_without_csrf_token_is_forbidden(wc_admin, wc_shop):
    response = post(wc_admin, "/admin/modules/reorder", {}, token=False)
    assert response.status_code == 403 and b"security token" in response.data
    assert module_enabled(fresh(wc_shop), "reorder") is True


def test_unknown_module_is_not_found(wc_admin):
    assert post(wc_admin, "/admin/modules/bitcoin", {"enabled": "on"}).status_code == 404


def _order_with_planned_shipping_notice(shop):
    now = datetime.now(timezone.utc)
    customer = Customer(shop_id=shop.id, email="buyer@example.com", locale="de")
    order = Order(shop=shop, platform_order_id="77", customer=customer, status="shipped", placed_at=now)
    order.shipments.append(Shipment(platform_fulfillment_id="f1", status="in_transit", tracking_number="JJD1",
                                    carrier="DHL", shipped_at=now - timedelta(hours=1)))
    db.session.add(order)
    db.session.flush()
    from app.domain.followups.sync import sync_followups

    sync_followups(db.session, [order], now)
    db.session.commit()
    return order


def test_switching_a_mail_kind_off_cancels_its_planned_mails_and_on_plans_them_again(wc_admin, wc_shop):
    order = _order_with_planned_shipping_notice(wc_shop)
    state = lambda: db.session.scalars(select(ScheduledMessage.state).where(  # noqa: E731
        ScheduledMessage.order_id == order.id, ScheduledMessage.kind == "shipped")).all()
    assert state() == [MessageState.PLANNED]
    response = post(wc_admin, "/admin/modules/mail_shipped", {})
    assert b"re-planned for 1 open order" in response.data
    db.session.expire_all()
    assert state() == [MessageState.CANCELLED]
    post(wc_admin, "/admin/modules/mail_shipped", {"enabled": "on"})
    db.session.expire_all()
    assert module_enabled(fresh(wc_shop), "mail_shipped") is True


def test_shopify_module_form_posts_with_the_bearer_token(client, shop):
    response = client.post(f"/admin/modules/tracking?shop={SHOPIFY_DOMAIN}", data={"enabled": "on"},
                           headers=bearer())
    assert response.status_code == 200
    assert module_settings(fresh(shop), "tracking")["detect_carrier"] is False


# Content & branding


def test_content_is_validated_and_saved(wc_admin, wc_shop):
    response = post(wc_admin, "/admin/content", CONTENT)
    assert response.status_code == 200 and b"Content and branding saved" in response.data
    shop = fresh(wc_shop)
    assert shop.name == "Laden & Co" and shop.locale == "en"
    assert shop.branding["primary_color"] == "#112233" and shop.branding["accent_color"] == "#aa0000"
    assert module_settings(shop, "review_prompt")["trustpilot_domain"] == "laden.example"
    review_url = module_settings(shop, "mail_review_request")["review_url"]
    assert review_url == "https://de.trustpilot.com/evaluate/laden.example"
    assert module_settings(shop, "social")["instagram"] == "https://instagram.com/laden"


@pytest.mark.parametrize("field,value,message", [
    ("name", "", b"This field is required"),
    ("primary_color", "red", b"#RRGGBB"),
    ("logo_url", "http://laden.example/logo.png", b"https://"),
    ("trustpilot_domain", "https://laden.example/x", b"bare domain"),
    ("locale", "fr", b"German (de) or English (en)"),
    ("imprint", "x" * 1001, b"at most 1000"),
])
def test_invalid_content_is_refused_with_a_message(wc_admin, wc_shop, field, value, message):
    response = post(wc_admin, "/admin/content", {**CONTENT, field: value})
    assert response.status_code == 422 and message in response.data
    assert fresh(wc_shop).name == "Laden"


def test_content_form_without_csrf_token_is_forbidden(wc_admin, wc_shop):
    assert post(wc_admin, "/admin/content", CONTENT, token=False).status_code == 403
    assert fresh(wc_shop).name == "Laden"


def test_sender_name_reaches_the_mail_preview(wc_admin):
    post(wc_admin, "/admin/content", CONTENT)
    assert ("Laden &amp; Co &lt;mail@app.example.test&gt;"
            in wc_admin.get("/admin/previews").get_data(as_text=True))


# Consent & limits


def test_consent_and_limits_are_saved_and_govern_sending(wc_admin, wc_shop):
    response = post(wc_admin, "/admin/legal", LEGAL)
    assert response.status_code == 200 and b"re-planned" in response.data
    shop = fresh(wc_shop)
    assert shop.existing_customer_exemption is True
    rules = fatigue_rules(shop)
    assert (rules.quiet_start.hour, rules.quiet_end.hour) == (22, 7)
    assert rules.min_gap == timedelta(hours=24) and rules.max_per_window == 3


def test_limits_default_to_the_app_settings(wc_admin, wc_shop):
    page = wc_admin.get("/admin/legal").get_data(as_text=True)
    assert 'name="quiet_start" value="21"' in page and 'name="max_per_30_days" value="5"' in page
    assert fatigue_rules(fresh(wc_shop)).max_per_window == 5


@pytest.mark.parametrize("change,message", [
    ({"objection_text": ""}, b"needs the objection notice"),
    ({"quiet_start": "25"}, b"from 0 to 23"),
    ({"quiet_end": "22"}, b"another hour"),
    ({"max_per_30_days": "0"}, b"from 1 to 30"),
])
def test_invalid_consent_settings_are_refused_with_a_message(wc_admin, wc_shop, change, message):
    response = post(wc_admin, "/admin/legal", {**LEGAL, **change})
    assert response.status_code == 422 and message in response.data
    assert fresh(wc_shop).existing_customer_exemption is False


def test_legal_form_without_csrf_token_is_forbidden(wc_admin, wc_shop):
    assert post(wc_admin, "/admin/legal", LEGAL, token=False).status_code == 403
    assert fresh(wc_shop).existing_customer_exemption is False


# Test send


def test_test_send_goes_to_the_chosen_address_through_the_apps_sender(wc_admin, wc_shop):
    confirm_test_address(wc_shop, "me@laden.example")
    response = post(wc_admin, "/admin/previews/test-send", {"email": "me@laden.example", "kind": "shipped",
                                                            "lang": "en"})
    assert response.status_code == 200 and b"sent to me@laden.example" in response.data
    (mail,) = mail_sender().outbox
    assert mail["To"] == "me@laden.example" and mail["Content-Language"] == "en"


def test_test_send_of_a_marketing_kind_carries_one_click_unsubscribe(wc_admin, wc_shop):
    confirm_test_address(wc_shop, "me@laden.example")
    post(wc_admin, "/admin/previews/test-send",
         {"email": "me@laden.example", "kind": "review_request", "lang": "de"})
    (mail,) = mail_sender().outbox
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize("form,message", [
    ({"email": "not-an-address", "kind": "shipped", "lang": "de"}, b"Enter an email address"),
    ({"email": "me@laden.example", "kind": "spam", "lang": "de"}, b"Choose a mail"),
    ({"email": "me@laden.example", "kind": "shipped", "lang": "fr"}, b"German or English"),
])
def test_invalid_test_send_is_refused_with_a_message(wc_admin, wc_shop, form, message):
    confirm_test_address(wc_shop, "me@laden.example")
    response = post(wc_admin, "/admin/previews/test-send", form)
    assert response.status_code == 422 and message in response.data
    assert mail_sender().outbox == []


def test_test_send_without_csrf_token_is_forbidden(wc_admin, wc_shop):
    confirm_test_address(wc_shop, "me@laden.example")
    response = post(wc_admin, "/admin/previews/test-send", {"email": "me@laden.example", "kind": "shipped",
                                                            "lang": "de"}, token=False)
    assert response.status_code == 403 and mail_sender().outbox == []


def test_shopify_test_send_with_bearer(client, shop):
    confirm_test_address(shop, "owner@johns.example")
    response = client.post(f"/admin/previews/test-send?shop={SHOPIFY_DOMAIN}", headers=bearer(),
                           data={"email": "owner@johns.example", "kind": "shipped", "lang": "de"})
    assert response.status_code == 200 and mail_sender().outbox[0]["To"] == "owner@johns.example"
