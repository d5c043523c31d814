"""Bounces that are not RFC 3464 reports (qmail's notice, Exchange's plain-text NDR) are matched
through a genuine token alone and recorded; a forged token still gets them refused."""
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from app.domain.privacy.mail_feedback import BOUNCE, DELAY, SOFT_BOUNCE
from app.extensions import db
from app.links.bounce_addresses import feedback_token
from app.mail.plain_bounces import plain_bounce
from app.models import MailFeedback, MessageState, ScheduledMessage, Suppression
from tests.integration.test_mail_feedback import (
    BOUNCE_DOMAIN,
    SECRET,
    _sent_notices,
    pipe,
    post,
    report,
    report_for,
)

QMAIL, EXCHANGE = "qmail_qsbmf_user_unknown.eml", "exchange_plain_ndr_not_found.eml"


@pytest.fixture(autouse=True)
def feedback_config(app):
    app.config.update(BOUNCE_DOMAIN=BOUNCE_DOMAIN, MAIL_FEEDBACK_SECRET=SECRET, SOFT_BOUNCE_LIMIT=3)


def _fresh(message) -> ScheduledMessage:
    db.session.expire_all()
    return db.session.get(ScheduledMessage, message.id)


def test_a_qmail_notice_piped_in_is_a_hard_bounce_of_its_message(app, shop):
    [message] = _sent_notices(shop, 1)
    result = pipe(app, report_for(message, QMAIL))
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("suppressed: bounced")
    assert _fresh(message).reason == "bounced 5.1.1: Remote host said: 550 5.1.1 <[address]>... User unknown"
    [row] = db.session.scalars(select(MailFeedback)).all()
    assert (row.kind, row.message_id, row.reporting_mta, row.raw) == (BOUNCE, message.id, "mx.example.net",
                                                                      None)
    assert db.session.scalars(select(Suppression.reason)).all() == ["bounced"]


def test_an_exchange_plain_text_ndr_posted_in_is_a_hard_bounce_of_its_message(app, shop, client):
    [message] = _sent_notices(shop, 1)
    response = post(client, report_for(message, EXCHANGE))
    assert (response.status_code, response.json["message"]) == (200, "suppressed: bounced")
    assert _fresh(message).reason == "bounced 5.1.1: #550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##"
    [row] = db.session.scalars(select(MailFeedback)).all()
    assert (row.kind, row.status, row.reporting_mta) == (BOUNCE, "5.1.1", "EX02.contoso.example")


def test_without_a_bounce_domain_the_quoted_header_names_the_message(app, shop, client):
    """MAIL_FROM was the envelope sender: only the X-Aftersales-Ref in the returned headers has the token."""
    app.config["BOUNCE_DOMAIN"] = None
    [message] = _sent_notices(shop, 1)
    raw = report(EXCHANGE, VERP="mail@app.example.test", TOKEN=feedback_token(message.id),
                 MESSAGE_ID="<x@app.example.test>", RECIPIENT=message.customer.email)
    assert post(client, raw).json["message"] == "suppressed: bounced"
    assert _fresh(message).state == MessageState.BOUNCED


@pytest.mark.parametrize("name", [QMAIL, EXCHANGE])
def test_a_forged_token_is_refused_as_malformed_and_changes_nothing(app, shop, client, name):
    [message] = _sent_notices(shop, 1)
    token = feedback_token(message.id)
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    raw = report(name, VERP=f"bounces+{forged}@{BOUNCE_DOMAIN}", TOKEN=forged,
                 MESSAGE_ID="<x@app.example.test>",
                 RECIPIENT=message.customer.email)
    response = post(client, raw, recipient=f"bounces+{forged}@{BOUNCE_DOMAIN}")
    assert response.status_code == 400
    assert "not a multipart/report (RFC 6522) but text/plain" in response.json["message"]
    [row] = db.session.scalars(select(MailFeedback)).all()
    assert (row.kind, row.message_id, row.raw) == ("malformed", None, raw)
    assert _fresh(message).state == MessageState.SENT
    assert db.session.scalars(select(Suppression)).all() == []


def test_a_qmail_notice_without_a_code_is_counted_as_soft(app, shop):
    [message] = _sent_notices(shop, 1)
    raw = report_for(message, QMAIL).replace(b"Remote host said: 550 5.1.1", b"Remote host said: 550")
    result = pipe(app, raw)
    assert result.exit_code == 0 and result.output.strip().endswith("soft bounce 1 of 3"), result.output
    assert _fresh(message).reason == "soft bounce: no diagnostic"


def _mail(body: str, sender: str = "MAILER-DAEMON@mx.example.net", subject: str = "failure notice") -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, "bounces+m1-0123456789abcdef@b.example", subject
    mail.set_content(body)
    return bytes(mail)


QMAIL_NOTICE = ("Hi. This is the qmail-send program at mx.example.net.\n"
                "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
                "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
                "<buyer@example.com>:\n{said}\n\n--- Below this line is a copy of the message.\n\n"
                "Return-Path: <bounces+m1-0123456789abcdef@b.example>\nX-Mailer: 5.0.1\n")


@pytest.mark.parametrize("said, kind, status", [
    ("Remote host said: 550 5.1.1 <buyer@example.com>... User unknown", BOUNCE, "5.1.1"),
    ("Remote host said: 552 5.2.2 Mailbox full", SOFT_BOUNCE, "5.2.2"),
    ("Remote host said: 552 sorry, mailbox is full", SOFT_BOUNCE, None),
    ("Remote host said: 451 4.3.0 Temporary lookup failure", SOFT_BOUNCE, "4.3.0"),
    ("Remote host said: 550 5.7.1 Message rejected as spam", SOFT_BOUNCE, "5.7.1"),
    ("Sorry, I couldn't find any host by that name.", SOFT_BOUNCE, None),  # the copy's 5.0.1 is not read
])
def test_hard_or_soft_from_the_notice_text(said, kind, status):
    found = plain_bounce(_mail(QMAIL_NOTICE.format(said=said)))
    assert (found.kind, found.status) == (kind, status)
    assert "buyer@example.com" not in (found.diagnostic or "")
    assert any("m1-0123456789abcdef" in source for source in found.token_sources)


def test_an_exchange_notice_of_a_full_mailbox_is_soft():
    body = ("Delivery has failed to these recipients or groups:\n\nbuyer@example.com\nThe recipient's "
            "mailbox is "
            "full and can't accept messages now.\n\nDiagnostic information for administrators:\n\nGenerating "
            "server: EX02.contoso.example\n\nbuyer@example.com\n#550 5.2.2 STOREDRV.Deliver; mailbox full "
            "##\n")
    found = plain_bounce(_mail(body, sender="postmaster@contoso.example",
                               subject="Undeliverable: Ihre Bestellung"))
    assert (found.kind, found.status, found.reporting_mta) == (SOFT_BOUNCE, "5.2.2", "EX02.contoso.example")


def test_a_delay_warning_is_only_recorded_and_an_auto_reply_is_no_bounce():
    warning = plain_bounce(_mail("This is an automatically generated Delivery Status "
                                 "Notification.\n\nDelivery to "
                                 "the following recipient has been delayed:\n\n     "
                                 "buyer@example.com\n\nMessage "
                                 "will be retried for 2 more day(s)\n"))
    assert warning.kind == DELAY
    away = _mail("Ich bin bis Montag nicht im Büro.", sender="buyer@example.com", subject="Abwesenheitsnotiz")
    assert plain_bounce(away) is None
    assert plain_bounce(b"\xff\x00 not mail at all") is None
