"""A shop's own sender domain: records checked through a real (local) DNS server, mail From the
domain DKIM-signed and verified by dkimpy against the published key, the fallback to our From
while (or once no longer) verified, the daily re-check, the admin page in de and en, and the key
gone with the shop. The admin page: tests/integration/test_admin_sender_domain.py."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dkim
import pytest
from sqlalchemy import Text, select, type_coerce

from app.clients.dns_txt import txt_values
from app.domain.followups.sync import sync_followups
from app.domain.privacy.lifecycle import redact_shop, uninstall_shop
from app.domain.shop.sender_domain_checks import apply_check, check, set_sender_domain
from app.domain.shop.sender_domains import (
    DIFFERENT,
    MISSING,
    RIGHT,
    UNANSWERED,
    dkim_name,
    dkim_value,
    dmarc_name,
    spf_value,
)
from app.extensions import db
from app.jobs.dispatch import dispatch_due
from app.keys.rotation import encrypted_columns
from app.models import ScheduledMessage, SenderDomain, Shop
from tests.support.factories import add_parcel, make_order
from tests.support.periodic_ticks import tick

DOMAIN = "johns-apparel.de"
INCLUDE = "_spf.app.example.test"  # SPF_INCLUDE unset: _spf.<MAIL_FROM's domain>
NOW = datetime.now(timezone.utc)


def publish_right(fake_dns, row: SenderDomain) -> None:
    fake_dns.publish(dkim_name(row.selector, row.domain), dkim_value(row.public_key))
    fake_dns.publish(row.domain, spf_value(INCLUDE), "google-site-verification=abc")


def dns_for_dkimpy(fake_dns):
    """dkimpy's DNS hook, answered by the same local server through the app's resolver."""

    def get_txt(name: bytes, timeout: int = 5) -> bytes | None:
        values = txt_values(name.decode("ascii").rstrip("."), fake_dns.address)
        return next(iter(values)).encode() if values else None

    return get_txt


@pytest.fixture
def named(shop) -> SenderDomain:
    row = set_sender_domain(db.session, shop, DOMAIN, "service")
    db.session.commit()
    return row


@pytest.fixture
def verified_domain(named, fake_dns) -> SenderDomain:
    publish_right(fake_dns, named)
    assert apply_check(named, check(named, INCLUDE, fake_dns.address), NOW)
    db.session.commit()
    return named


def send_shipping_notice(shop, run_jobs, number: str = "1001") -> ScheduledMessage:
    order = make_order(shop, platform_order_id=number)
    add_parcel(order, shipped_at=NOW)
    sync_followups(db.session, [order], NOW)
    db.session.commit()
    dispatch_due(NOW + timedelta(minutes=1))
    run_jobs()
    return db.session.scalars(select(ScheduledMessage).where(ScheduledMessage.order_id == order.id)).one()


def test_the_check_tells_each_record_right_different_missing_or_unanswered(named, fake_dns):
    nothing = check(named, INCLUDE, fake_dns.address)
    assert (nothing.dkim.verdict, nothing.spf.verdict, nothing.dmarc.verdict) == (MISSING, MISSING, MISSING)
    assert not apply_check(named, nothing, NOW) and named.verified_at is None

    old_key = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8Aold"
    fake_dns.publish(dkim_name(named.selector, DOMAIN), old_key)
    fake_dns.publish(DOMAIN, "v=spf1 mx include:_spf.google.com -all")
    fake_dns.publish(dmarc_name(DOMAIN), "v=DMARC1; p=quarantine")
    wrong = check(named, INCLUDE, fake_dns.address)
    assert wrong.dkim.verdict == wrong.spf.verdict == DIFFERENT
    assert wrong.dkim.found == (old_key,)
    assert wrong.spf.found == ("v=spf1 mx include:_spf.google.com -all",)
    assert wrong.dmarc.verdict == RIGHT  # advice only: any DMARC record is the merchant's own

    fake_dns.records.clear()
    publish_right(fake_dns, named)  # the DKIM value is 400 characters: two strings in one record
    right = check(named, INCLUDE, fake_dns.address)
    assert (right.dkim.verdict, right.spf.verdict) == (RIGHT, RIGHT)
    assert apply_check(named, right, NOW) and named.verified_at == NOW

    fake_dns.failing.update({dkim_name(named.selector, DOMAIN), DOMAIN})
    silent = check(named, INCLUDE, fake_dns.address)
    assert silent.dkim.verdict == silent.spf.verdict == UNANSWERED
    assert apply_check(named, silent, NOW + timedelta(days=1)) and named.verified_at == NOW
    db.session.commit()
    stored = db.session.get(SenderDomain, named.shop_id).last_check
    assert stored["dkim"] == {"verdict": UNANSWERED, "found": []}


def test_a_verified_domain_sends_from_the_shop_signed_with_its_key(app, shop, verified_domain, fake_dns,
                                                                  smtp_inbox, run_jobs):
    app.config["BOUNCE_DOMAIN"] = "bounces.app.example.test"
    message = send_shipping_notice(shop, run_jobs)
    assert message.state == "sent"
    (received,) = smtp_inbox
    mail, raw = received["mail"], received["raw"]
    assert mail["From"] == f"John's Apparel <service@{DOMAIN}>"
    assert mail["Reply-To"] == "John's Apparel <hilfe@johns-apparel.example>"
    # Bounces still come to us: the envelope sender is our VERP address.
    assert received["envelope_from"].startswith("bounces+m") and received["envelope_from"].endswith(
        "@bounces.app.example.test")
    signature = mail["DKIM-Signature"]
    assert f"d={DOMAIN}" in signature and f"s={verified_domain.selector}" in signature
    assert "c=relaxed/relaxed" in signature and "a=rsa-sha256" in signature
    assert dkim.verify(raw, dnsfunc=dns_for_dkimpy(fake_dns))
    covered = "".join(signature.split("h=", 1)[1].split(";", 1)[0].split()).split(":")
    assert covered.count("from") == 2  # over-signed: a second From added on the way breaks it
    assert {"to", "reply-to", "subject", "date", "message-id"} <= set(covered)
    assert not dkim.verify(b"From: Someone Else <x@example.org>\r\n" + raw, dnsfunc=dns_for_dkimpy(fake_dns))
    tampered = raw.replace(b"Subject: ", b"Subject: Re: ", 1)
    assert not dkim.verify(tampered, dnsfunc=dns_for_dkimpy(fake_dns))


def test_an_unverified_domain_is_not_used(app, shop, named, fake_dns, smtp_inbox, run_jobs):
    fake_dns.publish(dkim_name(named.selector, DOMAIN), dkim_value(named.public_key))  # SPF missing
    assert not apply_check(named, check(named, INCLUDE, fake_dns.address), NOW)
    db.session.commit()
    send_shipping_notice(shop, run_jobs)
    (received,) = smtp_inbox
    assert received["mail"]["From"] == "John's Apparel <mail@app.example.test>"
    assert received["mail"]["Reply-To"] == "John's Apparel <hilfe@johns-apparel.example>"
    assert received["mail"]["DKIM-Signature"] is None


def test_the_daily_recheck_verifies_and_falls_back_when_a_record_goes_away(app, shop, named, fake_dns,
                                                                           smtp_inbox, run_jobs):
    publish_right(fake_dns, named)
    assert tick("sender_domains") == 1
    run_jobs()
    assert tick("sender_domains") == 0  # once a day
    shop = db.session.get(Shop, shop.id)  # the job's session ended, and with it the fixture's
    assert db.session.get(SenderDomain, shop.id).verified_at is not None
    send_shipping_notice(shop, run_jobs, "1001")
    assert smtp_inbox[-1]["mail"]["From"] == f"John's Apparel <service@{DOMAIN}>"

    del fake_dns.records[dkim_name(named.selector, DOMAIN)]  # the merchant moved DNS and lost it
    from app.jobs.sender_domain_checks import recheck_sender_domain

    shop_id = db.session.get(Shop, shop.id).id
    assert recheck_sender_domain(shop_id) == {"verified": False, "dkim": MISSING, "spf": RIGHT}
    send_shipping_notice(db.session.get(Shop, shop_id), run_jobs, "1002")
    assert smtp_inbox[-1]["mail"]["From"] == "John's Apparel <mail@app.example.test>"
    assert smtp_inbox[-1]["mail"]["DKIM-Signature"] is None


def test_the_private_key_is_encrypted_at_rest_and_rotated_with_the_other_secrets(named):
    stored = db.session.scalar(select(type_coerce(SenderDomain.private_key, Text)))
    assert "PRIVATE KEY" not in stored and named.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert any(table.name == "sender_domains" for table, _ in encrypted_columns())


def test_uninstalling_deletes_the_key_and_redacting_the_shop_leaves_no_row(app, shop, verified_domain):
    uninstall_shop(db.session, shop, NOW)
    db.session.commit()
    assert db.session.scalars(select(SenderDomain)).all() == []
    set_sender_domain(db.session, shop, DOMAIN, "service")
    db.session.commit()
    redact_shop(db.session, shop)
    db.session.commit()
    assert db.session.scalars(select(SenderDomain)).all() == []
