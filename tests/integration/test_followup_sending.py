"""Follow-up mails on the wire: real RQ, real SMTP (aiosmtpd), both streams, both languages."""
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.domain.followups.mail_kinds import KINDS
from app.domain.followups.sync import sync_followups
from app.domain.orders.order_events import apply_refund
from app.extensions import db
from app.jobs.dispatch import dispatch_due
from app.mail.render import render_message
from app.models import MessageState, ScheduledMessage, TrackingEvent
from app.read_model.from_orm import message_view
from connectors.base import RefundEvent
from tests.support.factories import add_parcel, make_order, set_module


@pytest.fixture
def no_quiet_hours(app):
    app.config.update(QUIET_HOURS_START=0, QUIET_HOURS_END=0)


def _now():
    return datetime.now(timezone.utc)


def _send_due(run_jobs):
    dispatch_due(_now() + timedelta(seconds=1))
    run_jobs()
    db.session.expire_all()


def _row(kind):
    return db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.kind == kind)).one()


def _stuck_parcel_order(shop, consent, platform_order_id):
    order = make_order(shop, platform_order_id=platform_order_id)
    order.customer.marketing_consent = consent
    parcel = add_parcel(order, status="exception", shipped_at=_now() - timedelta(days=2))
    parcel.events.append(TrackingEvent(status="exception", happened_at=_now() - timedelta(minutes=5),
                                       source="test"))
    sync_followups(db.session, [order], _now())
    db.session.commit()
    return order


def test_delay_notice_is_transactional_and_its_voucher_only_reaches_those_who_may_get_ads(
        app, shop, run_jobs, smtp_inbox, no_quiet_hours):
    set_module(shop, "mail_shipped", enabled=False)
    set_module(shop, "mail_delayed", voucher_code="SORRY5")
    _stuck_parcel_order(shop, "denied", "1001")
    _stuck_parcel_order(shop, "granted", "1002")
    _send_due(run_jobs)
    states = [m.state for m in db.session.scalars(select(ScheduledMessage))]
    assert states == [MessageState.SENT, MessageState.SENT]
    by_rcpt = {r["envelope_to"][0]: r["mail"] for r in smtp_inbox}

    plain = by_rcpt["buyer-1001@example.com"]
    assert plain["Subject"] == "Ihre Bestellung #1001 verzögert sich"
    assert plain["List-Unsubscribe"] is None and plain["List-Unsubscribe-Post"] is None
    text = plain.get_body(("plain",)).get_content()
    assert "Das tut uns leid" in text and "SORRY5" not in text and "keine Werbung" in text

    with_voucher = by_rcpt["buyer-1002@example.com"]
    text = with_voucher.get_body(("plain",)).get_content()
    html = with_voucher.get_body(("html",)).get_content()
    assert "SORRY5" in text and "SORRY5" in html
    # A voucher makes it advertising: the objection notice and an unsubscribe link come with it.
    assert "widersprechen" in text and "https://app.example.test/u/" in html and "keine Werbung" not in html


def test_thank_you_is_marketing_with_voucher_in_the_buyers_language(app, shop, run_jobs, smtp_inbox,
                                                                    no_quiet_hours):
    set_module(shop, "mail_thank_you", voucher_code="THANKS10", delay_days=0,
               texts={"de": "Mit Sorgfalt verpackt.", "en": "Packed with care by Anna."})
    set_module(shop, "mail_delivered", enabled=False)
    order = make_order(shop)
    order.customer.marketing_consent, order.customer.locale = "granted", "en"
    add_parcel(order, status="delivered", shipped_at=_now() - timedelta(days=2),
               delivered_at=_now() - timedelta(hours=1))
    sync_followups(db.session, [order], _now())
    db.session.commit()
    _send_due(run_jobs)
    assert _row("thank_you").state == MessageState.SENT
    [received] = smtp_inbox
    mail = received["mail"]
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Subject"] == "Thank you for shopping at John's Apparel"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Id"] == f"<marketing.shop-{shop.id}.app.example.test>"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Your voucher code for your next order: THANKS10" in text
    assert 'class="code" style="' in html and "THANKS10" in html  # CSS inlined
    assert "You may object" in text
    assert "Packed with care by Anna." in text and "Packed with care by Anna." in html  # the merchant's text


def test_review_link_records_the_click_redirects_and_cancels_the_reminder(
        app, shop, client, run_jobs, smtp_inbox, no_quiet_hours):
    set_module(shop, "mail_review_request", review_url="https://reviews.example.test/johns")
    set_module(shop, "mail_review_reminder")
    set_module(shop, "mail_delivered", enabled=False)
    order = make_order(shop)
    order.customer.marketing_consent = "granted"
    add_parcel(order, status="delivered", shipped_at=_now() - timedelta(days=10),
               delivered_at=_now() - timedelta(days=8))
    sync_followups(db.session, [order], _now())
    db.session.commit()
    _send_due(run_jobs)
    request = _row("review_request")
    reminder = _row("review_reminder")  # planned by the send itself
    assert request.state == MessageState.SENT and reminder.state == MessageState.PLANNED
    assert abs(reminder.send_at - (request.sent_at + timedelta(days=5))) < timedelta(seconds=1)

    html = smtp_inbox[0]["mail"].get_body(("html",)).get_content()
    path = re.search(r'href="https://app\.example\.test(/r/[^"]+)"', html).group(1)
    response = client.get(path)
    assert (response.status_code, response.headers["Location"]) == (302, "https://reviews.example.test/johns")
    db.session.expire_all()
    assert _row("review_request").clicked_at is not None
    assert (_row("review_reminder").state, _row("review_reminder").reason) == (MessageState.CANCELLED,
                                                                               "no longer planned")
    assert client.get("/r/forged-token").status_code == 404


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_renders_in_both_languages(app, shop, kind, lang):
    set_module(shop, "mail_nps", survey_url="https://survey.example.test/nps?src=mail", voucher_code="NPS5")
    set_module(shop, "mail_how_to", content={"de": "Nur kalt waschen.", "en": "Wash cold only."})
    set_module(shop, "mail_replenishment", intervals={"p-v1": 30})
    order = make_order(shop, lines=(("l1", 1, "v1"),))
    order.customer.locale, order.customer.marketing_consent = lang, "granted"
    parcel = add_parcel(order, status="delivered", delivered_at=_now())
    apply_refund(order, RefundEvent(order.platform_order_id, "r1", _now(), (("l1", 1),),
                                    amount=Decimal("12.5")), _now())
    db.session.flush()
    sequence = {"replenishment": order.lines[0].id, "refund_issued": order.refunds[0].id,
                "return_received": order.refunds[0].id}.get(kind, parcel.id)
    message = ScheduledMessage(shop_id=shop.id, order_id=order.id, customer_id=order.customer_id, kind=kind,
                               sequence=sequence, stream=KINDS[kind].stream, send_at=_now())
    db.session.add(message)
    db.session.flush()
    mail = render_message(message_view(message))
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    untranslated = re.compile(r"\bmail\.[a-z_]")  # a catalogue key shown instead of its text
    assert mail["Subject"] and not untranslated.search(mail["Subject"]) and not untranslated.search(text)
    assert mail["Content-Language"] == lang
    assert ("Hallo" if lang == "de" else "Hello") in text and "John's Apparel" in text
    assert (mail["List-Unsubscribe"] is not None) == (KINDS[kind].stream == "marketing")
    expected = {"nps": "https://survey.example.test/nps?src=mail&amp;score=10",
                "how_to": "kalt" if lang == "de" else "cold",
                "replenishment": "Item l1", "refund_issued": "12,50&nbsp;€" if lang == "de" else "€12.50",
                "return_received": "12,50&nbsp;€" if lang == "de" else "€12.50",
                "delivered": "00340434161094042557",
                "review_reminder": "https://app.example.test/r/"}.get(kind)
    if expected:
        assert expected in html
