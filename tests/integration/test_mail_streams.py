"""Lawful streams: the review request (marketing) against the shipped notice (transactional).

Planning is pure (fixed times); sending goes through real RQ and a real SMTP server.
"""
import json
import re
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from app.domain.followups.mail_kinds import KINDS
from app.domain.followups.rules import plan_followups
from app.domain.followups.send_checks import send_time_verdict
from app.domain.followups.sync import sync_followups
from app.domain.orders.order_context import load_context
from app.domain.orders.order_events import apply_refund, update_customer
from app.domain.privacy.lifecycle import redact_customer
from app.domain.privacy.suppressions import email_hash, suppress
from app.extensions import db
from app.jobs.dispatch import dispatch_due
from app.models import MessageState, ScheduledMessage, ShopModule, Suppression
from app.models.states import MessageReason
from app.read_model.from_orm import message_view
from connectors.base import RefundEvent
from connectors.shopify.mapping import parse_webhook
from tests.support.factories import T0, add_parcel, carrier_scan, make_order
from tests.unit.test_shopify_mapping import ORDER


def _enable_reviews(shop, **settings):
    db.session.add(ShopModule(shop_id=shop.id, key="mail_review_request", enabled=True, settings=settings))
    db.session.flush()
    db.session.refresh(shop)


def _delivered_order(shop, delivered_at=T0, consent="granted", **fields):
    order = make_order(shop, **fields)
    order.customer.marketing_consent = consent
    add_parcel(order, status="delivered", shipped_at=delivered_at - timedelta(days=2),
               delivered_at=delivered_at)
    return order


def _reviews(plans):
    return [p for p in plans if p.kind == "review_request"]


@pytest.mark.parametrize("state,expected", [
    ("subscribed", "granted"), ("pending", "pending"), ("not_subscribed", "denied"),
    ("unsubscribed", "withdrawn"), ("redacted", "withdrawn"), ("invalid", "denied")])
def test_shopify_consent_state_is_kept_with_its_time(app, shop, state, expected):
    payload = {**ORDER, "customer": {**ORDER["customer"], "email_marketing_consent": {
        "state": state, "consent_updated_at": "2026-11-01T09:00:00Z"}}}
    event = parse_webhook("orders/create", json.dumps(payload).encode())
    customer = update_customer(_customer_of(shop, event), event, T0)
    assert (customer.marketing_consent, customer.consent_source, customer.consent_at) == (
        expected, "platform", datetime(2026, 11, 1, 9, tzinfo=timezone.utc))


def test_our_unsubscribe_outranks_a_later_platform_subscribed(app, shop):
    event = parse_webhook("orders/create", json.dumps(ORDER).encode())
    customer = update_customer(_customer_of(shop, event), event, T0)
    customer.marketing_consent, customer.consent_source = "withdrawn", "unsubscribe_link"
    assert update_customer(_customer_of(shop, event), event, T0).marketing_consent == "withdrawn"


def test_every_kind_has_a_stream():
    transactional = {"shipped", "out_for_delivery", "ready_for_pickup", "delivered", "not_shipped", "delayed",
                     "return_received", "refund_issued", "newsletter_confirm"}
    marketing = {"review_request", "review_reminder", "thank_you", "how_to", "nps", "replenishment",
                 "anniversary", "win_back", "referral"}
    assert {k: v.stream for k, v in KINDS.items()} == {
        **{k: "transactional" for k in transactional}, **{k: "marketing" for k in marketing}}


def test_review_request_seven_days_after_domestic_delivery(app, shop):
    _enable_reviews(shop)
    order = _delivered_order(shop, shipping_country="DE")
    [plan] = _reviews(plan_followups(order, shop, T0))
    assert (plan.stream, plan.send_at) == ("marketing", T0 + timedelta(days=7))


def test_review_request_fourteen_days_after_international_delivery(app, shop):
    _enable_reviews(shop)
    order = _delivered_order(shop, shipping_country="AT")
    assert [p.send_at for p in _reviews(plan_followups(order, shop, T0))] == [T0 + timedelta(days=14)]
    shop.country = "AT"
    assert [p.send_at for p in _reviews(plan_followups(order, shop, T0))] == [T0 + timedelta(days=7)]


def test_no_review_request_before_delivery_or_when_switched_off(app, shop):
    order = _delivered_order(shop)
    assert _reviews(plan_followups(order, shop, T0)) == []  # module off by default
    _enable_reviews(shop)
    in_transit = make_order(shop, platform_order_id="2")
    in_transit.customer.marketing_consent = "granted"
    carrier_scan(add_parcel(in_transit))  # the carrier says: in transit
    assert _reviews(plan_followups(in_transit, shop, T0)) == []


def test_consent_missing_means_not_planned(app, shop):
    _enable_reviews(shop)
    for n, state in enumerate(("unknown", "denied", "pending", "withdrawn")):
        order = _delivered_order(shop, consent=state, platform_order_id=str(10 + n))
        assert _reviews(plan_followups(order, shop, T0)) == [], state


def test_existing_customer_exemption_is_off_by_default_and_respects_objection(app, shop):
    _enable_reviews(shop)
    order = _delivered_order(shop, consent="denied")
    assert shop.existing_customer_exemption is False
    assert _reviews(plan_followups(order, shop, T0)) == []
    shop.existing_customer_exemption = True
    assert len(_reviews(plan_followups(order, shop, T0))) == 1
    order.customer.marketing_consent = "withdrawn"  # objected: the exemption ends
    assert _reviews(plan_followups(order, shop, T0)) == []


def test_review_request_cancelled_on_refund_before_sending(app, shop):
    _enable_reviews(shop)
    order = _delivered_order(shop)
    sync_followups(db.session, [order], T0)
    row = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "review_request")).one()
    assert row.state == MessageState.PLANNED
    apply_refund(order, RefundEvent(platform_order_id=order.platform_order_id, platform_refund_id="r1",
                                    created_at=T0 + timedelta(days=2), line_items=(("l1", 1),)), T0)
    sync_followups(db.session, [order], T0 + timedelta(days=2))
    assert (row.state, row.reason) == (MessageState.CANCELLED, "no longer planned")


def test_review_request_skipped_at_send_time_when_the_order_went_back(app, shop):
    _enable_reviews(shop)
    order = _delivered_order(shop)
    sync_followups(db.session, [order], T0)
    row = db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "review_request")).one()
    order.shipments[0].status = "returned"
    assert send_time_verdict(message_view(row), db.session, T0 + timedelta(days=7)) == "order returned"


# ---- real sending -------------------------------------------------------------------


@pytest.fixture
def no_quiet_hours(app):
    """End-to-end tests run at any wall-clock hour; quiet hours have their own pure tests."""
    app.config.update(QUIET_HOURS_START=0, QUIET_HOURS_END=0)


def _now():
    return datetime.now(timezone.utc)


def _planned_review(shop):
    _enable_reviews(shop)
    order = _delivered_order(shop, delivered_at=_now() - timedelta(days=8))
    sync_followups(db.session, [order], _now())
    db.session.commit()
    return db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == "review_request")).one()


def _send_due(run_jobs):
    dispatch_due(_now() + timedelta(seconds=1))
    run_jobs()
    db.session.expire_all()


def _unsubscribe_path(mail) -> str:
    match = re.fullmatch(r"<https://app\.example\.test(/u/[^>]+)>", str(mail["List-Unsubscribe"]))
    assert match, mail["List-Unsubscribe"]
    return match.group(1)


def test_marketing_mail_carries_one_click_unsubscribe_headers(app, shop, run_jobs, smtp_inbox,
                                                              no_quiet_hours):
    message = _planned_review(shop)
    _send_due(run_jobs)
    assert db.session.get(ScheduledMessage, message.id).state == MessageState.SENT
    [received] = smtp_inbox
    mail = received["mail"]
    # On the wire as a plain URL, not RFC 2047-encoded (providers would not parse that).
    assert re.search(rb"\r\nList-Unsubscribe: <https://app\.example\.test/u/[^>\s]+>\r\n", received["raw"])
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Id"] == f"<marketing.shop-{shop.id}.app.example.test>"
    path = _unsubscribe_path(mail)
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"https://app.example.test{path}" in text and f"https://app.example.test{path}" in html
    assert "widersprechen" in text  # the objection notice, in the buyer's language (de)
    assert "Bewertung schreiben" in html and "keine Werbung" not in html


def test_transactional_mail_has_no_unsubscribe_and_no_advertising(app, shop, run_jobs, smtp_inbox,
                                                                  no_quiet_hours):
    order = make_order(shop)
    order.customer.marketing_consent = "granted"
    add_parcel(order, shipped_at=_now() - timedelta(minutes=5))
    sync_followups(db.session, [order], _now())
    db.session.commit()
    _send_due(run_jobs)
    [received] = smtp_inbox
    mail = received["mail"]
    assert (mail["List-Unsubscribe"] is None and mail["List-Unsubscribe-Post"] is None
            and mail["List-Id"] is None)
    html = mail.get_body(("html",)).get_content()
    assert "/u/" not in html and "Abmelden" not in html and "keine Werbung" in html


def test_post_unsubscribe_stops_a_planned_marketing_mail(app, shop, client, run_jobs, smtp_inbox,
                                                         no_quiet_hours):
    first = _planned_review(shop)
    _send_due(run_jobs)
    path = _unsubscribe_path(smtp_inbox[0]["mail"])
    # A second order of the same buyer, its review request still planned.
    # Another product: the same product is asked about once in 12 months.
    order = _delivered_order(shop, delivered_at=_now() - timedelta(days=8), platform_order_id="2002",
                             lines=(("l1", 1, "v2"),))
    order.customer = db.session.get(ScheduledMessage, first.id).customer
    sync_followups(db.session, [order], _now())
    db.session.commit()
    second = db.session.scalars(select(ScheduledMessage).where(
        ScheduledMessage.order_id == order.id, ScheduledMessage.kind == "review_request")).one()
    assert second.state == MessageState.PLANNED

    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # idempotent
    db.session.expire_all()
    second = db.session.get(ScheduledMessage, second.id)
    assert (second.state, second.reason) == (MessageState.SKIPPED, "suppressed: unsubscribed")
    assert second.customer.marketing_consent == "withdrawn"
    assert db.session.scalars(select(Suppression.reason)).all() == ["unsubscribed"]
    _send_due(run_jobs)
    assert len(smtp_inbox) == 1


def test_get_unsubscribe_only_asks(app, shop, client, run_jobs, smtp_inbox, no_quiet_hours):
    _planned_review(shop)
    _send_due(run_jobs)
    path = _unsubscribe_path(smtp_inbox[0]["mail"])
    page = client.get(path)
    assert page.status_code == 200
    assert (f'action="{path}"' in page.get_data(as_text=True) and 'method="post"'
            in page.get_data(as_text=True))
    assert db.session.scalars(select(Suppression)).all() == []


def test_bad_unsubscribe_token_is_404(app, shop, client):
    assert client.get("/u/not-a-token").status_code == 404
    assert client.post("/u/not-a-token").status_code == 404


def test_suppression_is_rechecked_just_before_send(app, shop, run_jobs, smtp_inbox, no_quiet_hours):
    message = _planned_review(shop)
    dispatch_due(_now() + timedelta(seconds=1))
    db.session.expire_all()
    assert db.session.get(ScheduledMessage, message.id).state == MessageState.QUEUED
    # The address bounces elsewhere while the job waits in Redis.
    suppress(db.session, shop.id, email_hash("Buyer-1001@Example.com "), "bounced", _now())
    db.session.commit()
    run_jobs()
    db.session.expire_all()
    message = db.session.get(ScheduledMessage, message.id)
    assert (message.state, message.reason) == (MessageState.SKIPPED, "suppressed: bounced")
    assert smtp_inbox == []


def test_fatigue_cap_defers_and_never_drops(app, shop, run_jobs, smtp_inbox, no_quiet_hours):
    message = _planned_review(shop)
    customer = message.customer
    earlier = make_order(shop, platform_order_id="999", lines=(("l1", 1, "v9"),))  # another product
    earlier.customer = customer
    sent_at = _now() - timedelta(hours=2)
    db.session.add(ScheduledMessage(shop_id=shop.id, order_id=earlier.id, customer_id=customer.id,
                                    kind="review_request", sequence=0, stream="marketing", send_at=sent_at,
                                    state=MessageState.SENT, sent_at=sent_at))
    db.session.commit()
    _send_due(run_jobs)
    message = db.session.get(ScheduledMessage, message.id)
    assert message.state == MessageState.PLANNED and message.reason == MessageReason.DEFERRED
    assert abs(message.send_at - (sent_at + timedelta(hours=16))) < timedelta(seconds=1)
    assert smtp_inbox == []


def test_quiet_hours_defer_a_due_marketing_mail(app, shop, run_jobs, smtp_inbox):
    hour = _now().astimezone(timezone.utc).hour
    # Quiet right now, whatever the wall clock says: the span covers the current UTC hour.
    app.config.update(QUIET_HOURS_START=hour, QUIET_HOURS_END=(hour + 2) % 24)
    shop.timezone = "UTC"
    message = _planned_review(shop)
    _send_due(run_jobs)
    message = db.session.get(ScheduledMessage, message.id)
    assert message.state == MessageState.PLANNED
    assert message.send_at.time() == time((hour + 2) % 24) and message.send_at > _now()
    assert smtp_inbox == []


def test_redaction_puts_the_address_hash_on_the_list(app, shop):
    order = _delivered_order(shop)
    redact_customer(db.session, shop, "buyer-1001@example.com", (), T0)
    row = db.session.scalars(select(Suppression)).one()
    assert (row.email_hash, row.reason) == (email_hash("buyer-1001@example.com"), "redacted")
    assert "@" not in row.email_hash and order.customer.email is None


def _customer_of(shop, event):
    """The event's buyer as the one loader finds (or inserts) it."""
    return load_context(db.session, [(shop, event)], T0).customer(shop, event.email)
