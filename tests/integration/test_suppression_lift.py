"""`flask mail lift-suppression`: an address comes off a shop's list, the log says who and
why and never the address, and consent is again the platform's, never granted by the lift."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import select

from app.domain.followups.send_checks import send_time_verdict
from app.domain.followups.sync import sync_followups
from app.domain.orders.order_context import load_context
from app.domain.orders.order_events import update_customer
from app.domain.privacy.suppressions import email_hash, stop_all_mail, suppression_reason, unsubscribe
from app.extensions import db
from app.models import ScheduledMessage, Suppression
from app.read_model.from_orm import message_view
from connectors.shopify.mapping import parse_webhook
from tests.support.factories import T0, add_parcel, make_order
from tests.unit.test_shopify_mapping import ORDER

ADDRESS = "buyer-1001@example.com"


def _lift(app, shop, *extra: str):
    return app.test_cli_runner().invoke(args=[
        "mail", "lift-suppression", "--shop", shop.shop_key, "--email", " Buyer-1001@Example.com", *extra])


def test_a_mistaken_unsubscribe_is_lifted_with_who_and_why_in_the_log_and_no_address(app, shop, caplog):
    customer = make_order(shop).customer
    unsubscribe(db.session, shop, email_hash(ADDRESS), customer, T0)
    db.session.commit()
    assert customer.marketing_consent == "withdrawn"
    with caplog.at_level(logging.INFO):
        result = _lift(app, shop, "--by", "Maria (support)", "--reason",
                       "buyer asked by phone to be re-added")
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(Suppression)).all() == []
    db.session.expire_all()
    # Consent is again what the platform says, not granted by us: unknown until it reports.
    assert (customer.marketing_consent, customer.consent_source) == ("unknown", None)
    [line] = [r.getMessage() for r in caplog.records if "suppression lifted" in r.getMessage()]
    assert line == (f"suppression lifted: shop {shop.id}, listed as unsubscribed, by Maria (support): "
                    "buyer asked by phone to be re-added")
    assert "example.com" not in caplog.text.lower() and email_hash(ADDRESS) not in caplog.text
    # The platform reports the buyer subscribed again: that now counts.
    event = parse_webhook("orders/updated", json.dumps(dict(ORDER, email=ADDRESS)).encode())
    updated = update_customer(_customer_of(shop, event), event, T0)
    assert (updated.id, updated.marketing_consent, updated.consent_source) == (customer.id, "granted",
                                                                               "platform")


def test_a_lifted_bounce_lets_mail_about_the_orders_go_out_again(app, shop):
    order = make_order(shop)
    add_parcel(order, shipped_at=T0)
    sync_followups(db.session, [order], T0)
    stop_all_mail(db.session, shop.id, email_hash(ADDRESS), order.customer, T0)
    db.session.commit()
    notice = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "shipped")).one()
    assert send_time_verdict(message_view(notice), db.session,
                             T0 + timedelta(minutes=1)) == "suppressed: bounced"
    result = _lift(app, shop, "--by", "ops", "--reason", "mailbox full, emptied since (ticket 4711)")
    assert result.exit_code == 0 and "bounced" in result.output, result.output
    db.session.expire_all()
    assert order.customer.suppressed_reason is None
    assert suppression_reason(db.session, shop.id, ADDRESS) is None
    assert send_time_verdict(message_view(notice), db.session, T0 + timedelta(minutes=1)) is None


def test_an_address_in_the_reason_is_not_logged(app, shop, caplog):
    stop_all_mail(db.session, shop.id, email_hash(ADDRESS), None, T0)
    db.session.commit()
    result = _lift(app, shop, "--by", "ops", "--reason", "re-add buyer-1001@example.com please")
    assert result.exit_code == 0, result.output
    assert "by ops: re-add [address] please" in caplog.text and "buyer-1001" not in caplog.text


def test_an_unknown_shop_or_an_unlisted_address_is_an_error(app, shop):
    result = _lift(app, shop, "--by", "ops", "--reason", "test")
    assert result.exit_code != 0 and "not on shop" in result.output
    result = app.test_cli_runner().invoke(args=[
        "mail", "lift-suppression", "--shop", "nope", "--email", ADDRESS, "--by", "ops", "--reason", "test"])
    assert result.exit_code != 0 and "no shop with key nope" in result.output
    missing = app.test_cli_runner().invoke(args=["mail", "lift-suppression", "--shop", shop.shop_key,
                                                 "--email", ADDRESS, "--by", "ops"])
    assert missing.exit_code != 0 and "--reason" in missing.output


def _customer_of(shop, event):
    """The event's buyer as the one loader finds (or inserts) it."""
    return load_context(db.session, [(shop, event)], T0).customer(shop, event.email)
