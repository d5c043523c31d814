"""Newsletter sign-up in the block with double opt-in: the click sends a confirmation mail
(a real SMTP server receives it), only the confirmed link stores consent, unsubscribing
withdraws it."""
import re
import time
from datetime import datetime, timedelta, timezone
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.domain.privacy.suppressions import email_hash
from app.extensions import db
from app.links.newsletter_confirm import confirm_token
from app.links.tracking_page import read_tracking_token, tracking_token
from app.links.unsubscribe import unsubscribe_token
from app.models import Customer, ScheduledMessage, Suppression
from tests.integration.test_block_api import session_token
from tests.support.factories import make_order, set_module

NOW = datetime.now(timezone.utc)


@pytest.fixture
def order(app, shop):
    set_module(shop, "newsletter")
    order = make_order(shop, platform_order_id="450789469", status="shipped",
                       placed_at=NOW - timedelta(hours=1))
    db.session.commit()
    return order


def customer(order) -> Customer:
    db.session.expire_all()
    return db.session.get(Customer, order.customer_id)


def confirmations():
    db.session.expire_all()
    return [(m.sequence, m.state, m.stream) for m in db.session.scalars(
        select(ScheduledMessage).where(ScheduledMessage.kind == "newsletter_confirm")
        .order_by(ScheduledMessage.id))]


def newsletter_of(client, order):
    return client.get(f"/t/{tracking_token(order)}.json").get_json()["modules"].get("newsletter")


def test_the_block_offers_the_sign_up_for_the_orders_address(client, order):
    module = newsletter_of(client, order)
    assert (module["subscribed"], module["cta"]) == (False, "Newsletter abonnieren")
    token = tracking_token(order)
    page = client.get(f"/t/{token}").get_data(as_text=True)
    # Signed when the page is rendered: the same order's token, perhaps of another second.
    action = re.search(r'<form method="post" action="https://app\.example\.test/t/([^/"]+)/newsletter">',
                       page)
    assert action and read_tracking_token(action.group(1)) == (order.shop_id, order.id)
    assert "buyer-450789469@example.com" not in page  # the address itself is never shown


def test_double_opt_in_from_click_to_confirmed_consent(client, order, run_jobs, smtp_inbox):
    token = tracking_token(order)
    clicked = client.post(f"/t/{token}/newsletter")
    assert clicked.status_code == 200
    assert "Bitte bestätigen Sie die Anmeldung" in clicked.get_data(as_text=True)
    assert customer(order).marketing_consent == "unknown"  # a click alone is no consent
    run_jobs()
    assert confirmations() == [(0, "sent", "transactional")]
    [received] = smtp_inbox
    mail = received["mail"]
    assert received["envelope_to"] == ["buyer-450789469@example.com"]
    assert mail["Subject"] == "Bitte bestätigen Sie Ihre Newsletter-Anmeldung bei John's Apparel"
    assert mail["List-Unsubscribe"] is None  # transactional: it asks, it advertises nothing
    html = mail.get_body(("html",)).get_content()
    link = unescape(re.search(r'href="(https://app\.example\.test/n/[^"]+)"', html).group(1))
    assert link in mail.get_body(("plain",)).get_content()
    path = link.removeprefix("https://app.example.test")

    asked = client.get(path)  # what a link scanner does: nothing is stored
    assert asked.status_code == 200 and 'data-state="ask"' in asked.get_data(as_text=True)
    assert customer(order).marketing_consent == "unknown"

    confirmed = client.post(path)
    assert confirmed.status_code == 200
    assert "Ihre Anmeldung ist bestätigt" in confirmed.get_data(as_text=True)
    buyer = customer(order)
    assert (buyer.marketing_consent, buyer.consent_source) == ("granted", "block_double_opt_in")
    assert (abs(buyer.consent_at.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc))
            < timedelta(minutes=1))
    assert newsletter_of(client, order)["subscribed"] is True
    assert client.post(f"/t/{token}/newsletter").get_data(as_text=True).count("erhalten unseren Newsletter "
                                                                              "bereits")


def test_a_second_click_sends_no_second_mail_right_away(client, order, run_jobs, smtp_inbox):
    token = tracking_token(order)
    client.post(f"/t/{token}/newsletter")
    again = client.post(f"/t/{token}/newsletter")
    assert "schon unterwegs" in again.get_data(as_text=True)
    run_jobs()
    assert len(smtp_inbox) == 1 and confirmations() == [(0, "sent", "transactional")]


def test_unsubscribing_withdraws_the_consent_and_a_new_confirmation_restores_it(client, order, run_jobs,
                                                                                smtp_inbox):
    shop_id, email, customer_id = order.shop_id, order.customer.email, order.customer_id
    client.post(f"/t/{tracking_token(order)}/newsletter")
    run_jobs()
    assert client.post(f"/n/{confirm_token(shop_id, customer_id, email)}").status_code == 200
    assert client.post(f"/u/{unsubscribe_token(shop_id, email, customer_id)}").status_code == 200
    buyer = customer(order)
    assert (buyer.marketing_consent, buyer.consent_source) == ("withdrawn", "unsubscribe_link")
    assert db.session.scalars(select(Suppression.reason)).all() == ["unsubscribed"]
    # Asking again changes nothing until the new link is confirmed.
    buyer.marketing_consent = "withdrawn"
    client.post(f"/n/{confirm_token(shop_id, customer_id, email)}")
    buyer = customer(order)
    assert (buyer.marketing_consent, buyer.consent_source) == ("granted", "block_double_opt_in")
    assert db.session.scalars(select(Suppression)
                              .where(Suppression.email_hash == email_hash(email))).all() == []


def test_a_request_alone_keeps_an_earlier_objection(client, order, run_jobs):
    order.customer.marketing_consent, order.customer.consent_source = "withdrawn", "unsubscribe_link"
    db.session.commit()
    client.post(f"/t/{tracking_token(order)}/newsletter")
    run_jobs()
    assert customer(order).marketing_consent == "withdrawn"


def test_confirmation_links_are_bound_to_shop_customer_and_address(client, order, monkeypatch):
    shop_id, customer_id = order.shop_id, order.customer_id
    assert client.get("/n/forged").status_code == 404
    other_address = confirm_token(shop_id, customer_id, "someone-else@example.com")
    assert client.post(f"/n/{other_address}").status_code == 404
    assert (client.post(f"/n/{confirm_token(shop_id + 1, customer_id, order.customer.email)}").status_code
            == 404)
    token = confirm_token(shop_id, customer_id, order.customer.email)
    eight_days_later = time.time() + 8 * 24 * 3600  # a week to confirm
    monkeypatch.setattr("app.links.signer.time", SimpleNamespace(time=lambda: eight_days_later))
    expired = client.post(f"/n/{token}")
    assert expired.status_code == 410 and "abgelaufen" in expired.get_data(as_text=True)
    assert customer(order).marketing_consent == "unknown"


def test_switched_off_no_sign_up_and_no_mail(client, order, run_jobs, smtp_inbox):
    token = tracking_token(order)
    client.post(f"/t/{token}/newsletter")  # asked while on …
    set_module(order.shop, "newsletter", enabled=False)  # … switched off before the mail went out
    db.session.commit()
    run_jobs()
    assert smtp_inbox == []
    assert confirmations() == [(0, "skipped", "transactional")]
    assert newsletter_of(client, order) is None
    assert client.post(f"/t/{token}/newsletter").status_code == 404


def test_no_address_no_sign_up(client, order):
    order.customer.email = None
    db.session.commit()
    assert newsletter_of(client, order) is None
    assert client.post(f"/t/{tracking_token(order)}/newsletter").status_code == 422
    assert confirmations() == []


def test_the_extension_signs_up_through_the_block_api(client, order, run_jobs, smtp_inbox):
    headers = {"Authorization": f"Bearer {session_token()}"}
    assert client.options("/api/v1/newsletter").status_code == 204
    body = {"order_id": "gid://shopify/OrderIdentity/450789469"}
    response = client.post("/api/v1/newsletter?locale=en", json=body, headers=headers)
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_json() == {"state": "sent", "message": "Almost done: please confirm with the link in "
                                    "the email we have just sent you."}
    assert client.post("/api/v1/newsletter", json=body, headers=headers).get_json()["state"] == "pending"
    assert client.post("/api/v1/newsletter", json=body).status_code == 401
    assert client.post("/api/v1/newsletter", json={"order_id": "x"}, headers=headers).status_code == 400
    run_jobs()
    assert len(smtp_inbox) == 1 and customer(order).marketing_consent == "unknown"


def test_an_unsubscribe_at_the_platform_after_the_opt_in_wins_its_default_does_not(
        client, order, post_shopify, run_jobs):
    import json

    from tests.support.payload_files import load_payload

    shop_id, email, customer_id = order.shop_id, order.customer.email, order.customer_id
    assert client.post(f"/n/{confirm_token(shop_id, customer_id, email)}").status_code == 200
    payload = json.loads(load_payload("shopify/orders_create.json"))
    later = (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat(timespec="seconds")
    for n, state in enumerate(("not_subscribed", "unsubscribed")):
        payload.update(id=820982911946154508 + n, email=email, updated_at=later)
        payload["customer"]["email_marketing_consent"] = {"state": state, "consent_updated_at": later}
        assert post_shopify("orders/updated", payload, f"evt-consent-{n}").status_code == 200
        run_jobs()
        buyer = customer(order)
        if state == "not_subscribed":  # Shopify's own list never had them: our opt-in stands
            assert (buyer.marketing_consent, buyer.consent_source) == ("granted", "block_double_opt_in")
    assert (buyer.marketing_consent, buyer.consent_source) == ("withdrawn", "platform")
