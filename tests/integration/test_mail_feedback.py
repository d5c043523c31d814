"""Bounces and complaints: a real mail goes out over SMTP (aiosmtpd), a DSN or ARF report
about it comes back through the MTA pipe (the CLI) or the HTTP endpoint, and what the next
mails do changes at once."""
import re
from datetime import timedelta
from pathlib import Path
from string import Template

import pytest
from sqlalchemy import select

from app.domain.followups.send_checks import send_time_verdict
from app.domain.followups.sync import sync_followups
from app.extensions import db
from app.links.bounce_addresses import envelope_sender, feedback_token, message_id_from
from app.models import MailFeedback, MessageState, ScheduledMessage, Suppression
from app.read_model.from_orm import message_view
from tests.integration.test_mail_streams import _now, _send_due
from tests.support.factories import add_parcel, make_order, set_module

FIXTURES = Path(__file__).parents[1] / "payloads" / "mail_feedback"
SECRET = "feedback-secret-0123456789"
BOUNCE_DOMAIN = "bounce.app.example.test"


@pytest.fixture(autouse=True)
def feedback_config(app):
    app.config.update(BOUNCE_DOMAIN=BOUNCE_DOMAIN, MAIL_FEEDBACK_SECRET=SECRET, SOFT_BOUNCE_LIMIT=3,
                      QUIET_HOURS_START=0, QUIET_HOURS_END=0)


def _buyer_order(shop, number: str, customer=None, delivered_days_ago: int | None = 8, shipped_now=False):
    """An order of the (same) buyer: delivered some days ago, or shipped a minute ago."""
    order = make_order(shop, platform_order_id=number, lines=(("l1", 1, f"v{number}"),))
    if customer is None:
        order.customer.marketing_consent = "granted"
    else:
        order.customer = customer
    if shipped_now:
        add_parcel(order, shipped_at=_now() - timedelta(minutes=1), fulfillment_id=f"f{number}")
    else:
        delivered = _now() - timedelta(days=delivered_days_ago)
        add_parcel(order, status="delivered", shipped_at=delivered - timedelta(days=2),
                   delivered_at=delivered,
                   fulfillment_id=f"f{number}")
    sync_followups(db.session, [order], _now())
    db.session.commit()
    return order


def _sent_review_request(shop, run_jobs, smtp_inbox) -> tuple[ScheduledMessage, dict]:
    set_module(shop, "mail_review_request")
    order = _buyer_order(shop, "1001")
    _send_due(run_jobs)
    message = db.session.scalars(select(ScheduledMessage).where(
        ScheduledMessage.order_id == order.id, ScheduledMessage.kind == "review_request")).one()
    assert message.state == MessageState.SENT
    return message, smtp_inbox[-1]


def report(name: str, received: dict | None = None, **values) -> bytes:
    """A fixture filled with the values of a mail as the SMTP server received it."""
    if received is not None:
        mail = received["mail"]
        values = {"VERP": received["envelope_from"], "TOKEN": mail["X-Aftersales-Ref"],
                  "MESSAGE_ID": mail["Message-ID"], "RECIPIENT": received["envelope_to"][0], **values}
    return Template((FIXTURES / name).read_text()).substitute(values).encode()


def report_for(message: ScheduledMessage, name: str) -> bytes:
    """A fixture about a stored message that went out (the values its mail carried)."""
    token = feedback_token(message.id)
    return report(name, VERP=f"bounces+{token}@{BOUNCE_DOMAIN}", TOKEN=token,
                  MESSAGE_ID=f"<sm-{message.id}.{message.shop_id}@app.example.test>",
                  RECIPIENT=message.customer.email)


def pipe(app, raw: bytes, *args: str):
    return app.test_cli_runner().invoke(args=["mail", "ingest-feedback", *args], input=raw)


def post(client, raw: bytes, secret: str = SECRET, **query):
    return client.post("/webhooks/mail-feedback", data=raw, query_string=query,
                       headers={"Authorization": f"Bearer {secret}", "Content-Type": "message/rfc822"})


def test_every_mail_leaves_with_its_own_signed_envelope_sender(app, shop, run_jobs, smtp_inbox):
    message, received = _sent_review_request(shop, run_jobs, smtp_inbox)
    token = received["mail"]["X-Aftersales-Ref"]
    assert re.fullmatch(rf"m{message.id}-[0-9a-f]{{16}}", token)
    assert received["envelope_from"] == f"bounces+{token}@{BOUNCE_DOMAIN}" == envelope_sender(message.id)
    assert message_id_from([received["envelope_from"].upper()]) == message.id  # case mangled on the way
    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert message_id_from([f"bounces+{forged}@{BOUNCE_DOMAIN}", f"m{message.id + 1}-{token[-16:]}"]) is None


def test_without_a_bounce_domain_the_envelope_sender_stays_mail_from(app, shop, run_jobs, smtp_inbox):
    app.config["BOUNCE_DOMAIN"] = None
    _message, received = _sent_review_request(shop, run_jobs, smtp_inbox)
    assert received["envelope_from"] == "mail@app.example.test"
    assert received["mail"]["X-Aftersales-Ref"]  # reports can still be matched by the quoted header


def test_a_hard_bounce_piped_in_ends_all_mail_to_the_address(app, shop, run_jobs, smtp_inbox):
    first, received = _sent_review_request(shop, run_jobs, smtp_inbox)
    customer = first.customer
    later = _buyer_order(shop, "1002", customer, delivered_days_ago=2)  # its review request is planned
    [planned] = [m for m in db.session.scalars(select(ScheduledMessage).where(
        ScheduledMessage.order_id == later.id)) if m.kind == "review_request"]
    assert planned.state == MessageState.PLANNED

    result = pipe(app, report("dsn_postfix_user_unknown.eml", received))
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("suppressed: bounced")
    db.session.expire_all()
    first = db.session.get(ScheduledMessage, first.id)
    assert (first.state, first.reason) == (MessageState.BOUNCED,
                                           "bounced 5.1.1: smtp; 550 5.1.1 <[address]>: Recipient "
                                                      "address rejected: User unknown in virtual mailbox "
                                                      "table")
    assert db.session.get(ScheduledMessage, planned.id).reason == "suppressed: bounced"
    assert db.session.scalars(select(Suppression.reason)).all() == ["bounced"]

    # The next mails, transactional included, are not sent: the address takes no mail.
    parcel_notice = _buyer_order(shop, "1003", customer, shipped_now=True)
    _send_due(run_jobs)
    assert len(smtp_inbox) == 1
    assert db.session.scalars(select(ScheduledMessage)
                              .where(ScheduledMessage.order_id == parcel_notice.id)).all() == []
    stale_row = ScheduledMessage(shop_id=shop.id, order_id=parcel_notice.id, customer_id=customer.id,
                                 kind="shipped",
                                 sequence=parcel_notice.shipments[0].id, stream="transactional",
                                 send_at=_now())
    db.session.add(stale_row)
    db.session.flush()
    assert send_time_verdict(message_view(stale_row), db.session, _now()) == "suppressed: bounced"


def test_a_complaint_posted_in_stops_marketing_but_not_parcel_notices(app, shop, client, run_jobs,
                                                                      smtp_inbox):
    first, received = _sent_review_request(shop, run_jobs, smtp_inbox)
    response = post(client, report("arf_rfc5965_abuse.eml", received))
    assert response.status_code == 200, response.json
    assert response.json["message"] == "suppressed: complained"
    db.session.expire_all()
    first = db.session.get(ScheduledMessage, first.id)
    assert (first.state, first.reason) == (MessageState.COMPLAINED, "complained: abuse")
    assert (first.customer.marketing_consent, first.customer.consent_source) == ("withdrawn", "complaint")
    assert db.session.scalars(select(Suppression.reason)).all() == ["complained"]

    # Two more orders: one just shipped, one delivered 8 days ago like the first (review due).
    shipped = _buyer_order(shop, "1002", first.customer, shipped_now=True)
    arrived = _buyer_order(shop, "1003", first.customer)
    _send_due(run_jobs)
    rows = db.session.scalars(select(ScheduledMessage)
                              .where(ScheduledMessage.order_id.in_((shipped.id, arrived.id)))).all()
    assert {(m.kind, m.state) for m in rows if m.state != MessageState.PLANNED} == {
        ("shipped", MessageState.SENT),
        ("delivered", MessageState.SKIPPED),
    }
    assert [m for m in rows if m.stream == "marketing"] == []
    assert len(smtp_inbox) == 2 and smtp_inbox[-1]["mail"]["List-Unsubscribe"] is None
    assert "unterwegs" in smtp_inbox[-1]["mail"]["Subject"]


def test_a_complaint_matches_by_the_quoted_header_without_a_bounce_domain(app, shop, client, run_jobs,
                                                                          smtp_inbox):
    app.config["BOUNCE_DOMAIN"] = None
    first, received = _sent_review_request(shop, run_jobs, smtp_inbox)
    response = post(client, report("arf_headers_only_abuse.eml", received))
    assert (response.status_code, response.json["message"]) == (200, "suppressed: complained")
    assert db.session.get(ScheduledMessage, first.id).state == MessageState.COMPLAINED


def _sent_notices(shop, count: int) -> list[ScheduledMessage]:
    """Shipped notices that went out, one per parcel of one buyer's order."""
    order = make_order(shop)
    messages = []
    for index in range(count):
        parcel = add_parcel(order, fulfillment_id=f"f{index}", index=index)
        message = ScheduledMessage(shop_id=shop.id, order_id=order.id, customer_id=order.customer_id,
                                   kind="shipped",
                                   sequence=parcel.id, stream="transactional", send_at=_now(),
                                   state=MessageState.SENT,
                                   sent_at=_now())
        db.session.add(message)
        messages.append(message)
    db.session.commit()
    return messages


def test_soft_bounces_are_counted_and_the_third_suppresses(app, shop, client):
    messages = _sent_notices(shop, 3)
    outcomes = [post(client, report_for(m, "dsn_rfc3464_gave_up.eml")).json["message"] for m in messages]
    assert outcomes == ["soft bounce 1 of 3", "soft bounce 2 of 3", "suppressed: bounced (3 soft bounces)"]
    db.session.expire_all()
    assert [db.session.get(ScheduledMessage, m.id).reason for m in messages] == [
        "soft bounce 4.0.0: smtp; 426 connection timed out"] * 3
    assert db.session.scalars(select(Suppression.reason)).all() == ["bounced"]


def test_a_policy_block_counts_as_soft_and_a_delay_changes_nothing(app, shop, client):
    blocked, delayed = _sent_notices(shop, 2)
    assert post(client,
                report_for(blocked, "dsn_gmail_dmarc_policy.eml")).json["message"] == "soft bounce 1 of 3"
    assert post(client, report_for(delayed, "dsn_rfc3464_delayed.eml")).json["message"] == "recorded"
    db.session.expire_all()
    assert db.session.get(ScheduledMessage, delayed.id).state == MessageState.SENT
    assert db.session.get(ScheduledMessage,
                          blocked.id).reason.startswith("soft bounce 5.7.26: smtp; 550-5.7.26")
    assert db.session.scalars(select(Suppression)).all() == []


def test_the_same_report_twice_counts_once(app, shop, client):
    [message] = _sent_notices(shop, 1)
    raw = report_for(message, "dsn_rfc3464_gave_up.eml")
    first = post(client, raw).json
    again = pipe(app, raw)
    assert again.exit_code == 0
    feedback_id = first['feedback_id']
    assert again.output.strip() == f"feedback {feedback_id}: duplicate of feedback {feedback_id}"
    assert db.session.scalars(select(MailFeedback.outcome)).all() == ["soft bounce 1 of 3"]


def test_a_report_whose_token_is_forged_or_missing_changes_nothing(app, shop, client):
    [message] = _sent_notices(shop, 1)
    token = feedback_token(message.id)
    forged = f"m{message.id}-{'0' * 16}" if not token.endswith("0" * 16) else f"m{message.id}-{'1' * 16}"
    raw = report("dsn_postfix_user_unknown.eml", VERP=f"bounces+{forged}@{BOUNCE_DOMAIN}", TOKEN=forged,
                 MESSAGE_ID=f"<sm-{message.id}.{shop.id}@app.example.test>", RECIPIENT=message.customer.email)
    response = post(client, raw)
    assert (response.status_code, response.json["message"]) == (200, "unmatched")
    # The envelope recipient the MTA hands over is checked like any other place.
    assert pipe(app, raw.replace(b"5.1.1", b"5.1.2"), "--recipient", f"bounces+{forged}@x").output.endswith(
        "unmatched\n")
    db.session.expire_all()
    assert db.session.get(ScheduledMessage, message.id).state == MessageState.SENT
    assert db.session.scalars(select(Suppression)).all() == []
    assert db.session.scalars(select(MailFeedback.message_id)).all() == [None, None]


def test_the_envelope_recipient_from_the_mta_is_enough_to_match(app, shop):
    [message] = _sent_notices(shop, 1)
    raw = report("dsn_rfc3464_gave_up.eml", VERP="someone-else@example.net", TOKEN="none",
                 MESSAGE_ID="<x@y>", RECIPIENT=message.customer.email)
    result = pipe(app, raw, "--recipient", envelope_sender(message.id))
    assert result.exit_code == 0 and result.output.strip().endswith("soft bounce 1 of 3")


def test_nothing_personal_is_kept_from_a_report(app, shop, client, run_jobs, smtp_inbox):
    _first, received = _sent_review_request(shop, run_jobs, smtp_inbox)
    post(client, report("dsn_postfix_user_unknown.eml", received))
    [row] = db.session.scalars(select(MailFeedback)).all()
    stored = " ".join(str(getattr(row, c.key)) for c in MailFeedback.__table__.columns)
    assert row.raw is None and "buyer-1001" not in stored and "Bestellung" not in stored
    assert (row.kind, row.status, row.reporting_mta) == ("bounce", "5.1.1", "dns; mail.app.example.test")


def test_a_bounce_after_an_unsubscribe_turns_the_listing_into_bounced(app, shop, client):
    from app.domain.privacy.suppressions import email_hash, unsubscribe

    [message] = _sent_notices(shop, 1)
    unsubscribe(db.session, shop, email_hash(message.customer.email), message.customer, _now())
    db.session.commit()
    assert post(client,
                report_for(message, "dsn_postfix_user_unknown.eml")).json["message"] == "suppressed: bounced"
    assert db.session.scalars(select(Suppression.reason)).all() == ["bounced"]
