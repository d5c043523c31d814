"""The admin's test send is no relay: it mails only addresses that confirmed through a link
mailed to them (a real SMTP server receives it here), a few times an hour, under our address."""
import re
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs.messages import mail_sender
from app.links.newsletter_confirm import confirm_token as newsletter_token
from app.links.unsubscribe import unsubscribe_token
from app.models import TestRecipient
from tests.integration.test_admin_forms import post
from tests.support.admin_sessions import SHOPIFY_DOMAIN, bearer
from tests.support.confirmed_addresses import confirm_test_address
from tests.support.link_tokens import v1_token

ADDRESS = "me@laden.example"
LINK = re.compile(r"https://app\.example\.test(/test-address/[A-Za-z0-9._-]+)")
SEND = {"email": ADDRESS, "kind": "shipped", "lang": "en"}


def add(admin, address=ADDRESS):
    return post(admin, "/admin/previews/test-addresses", {"address": address})


def shopify_post(client, path, data):
    return client.post(f"{path}?shop={SHOPIFY_DOMAIN}&locale=en", headers=bearer(), data=data)


def link_in(mail) -> str:
    (path,) = set(LINK.findall(mail.get_body(("plain",)).get_content()))
    return path


def row(shop, address=ADDRESS) -> TestRecipient | None:
    db.session.expire_all()
    return db.session.scalar(select(TestRecipient).where(TestRecipient.shop_id == shop.id,
                                                         TestRecipient.address == address))


@pytest.fixture
def one_hour(monkeypatch):
    """Every rate-limit count of the test falls into one window, however the clock turns."""
    moment = time.time()
    monkeypatch.setattr("app.rate_limits.time", SimpleNamespace(time=lambda: moment))


def test_a_send_to_an_address_this_shop_did_not_confirm_is_refused(wc_admin, wc_shop, shop, smtp_inbox):
    response = post(wc_admin, "/admin/previews/test-send", {**SEND, "email": "victim@elsewhere.example"})
    assert response.status_code == 403 and b"not one: add it under Test addresses" in response.data
    add(wc_admin)  # pending: its link was mailed, not opened
    confirm_test_address(shop, "owner@johns.example")  # another shop's confirmed address
    for address in (ADDRESS, "owner@johns.example"):
        assert post(wc_admin, "/admin/previews/test-send", {**SEND, "email": address}).status_code == 403
    assert [m["envelope_to"] for m in smtp_inbox] == [[ADDRESS]]  # the confirmation mail only
    assert smtp_inbox[0]["mail"]["Subject"] == "Confirm test mails from laden.example"


def test_the_mailed_link_confirms_the_address_on_post_and_then_test_mails_go_there(app, wc_admin, wc_shop,
                                                                                     smtp_inbox):
    response = add(wc_admin, "  Me@Laden.Example ")
    assert (response.status_code == 200 and b"We mailed a confirmation link to me@laden.example"
            in response.data)
    (confirmation,) = smtp_inbox
    mail = confirmation["mail"]
    assert (mail["To"], mail["From"].addresses[0].addr_spec) == (ADDRESS, "mail@app.example.test")
    assert mail["From"].addresses[0].display_name == "Aftersales"  # ours, never the shop's chosen name
    path = link_in(mail)
    stranger = app.test_client()  # the mailbox's reader need not be signed in

    asked = stranger.get(path)  # what a mail scanner's prefetch does: it changes nothing
    assert (asked.status_code == 200 and b"<form method=\"post\"" in asked.data and ADDRESS.encode()
            in asked.data)
    assert asked.headers["Referrer-Policy"] == "no-referrer" and row(wc_shop).confirmed_at is None
    assert post(wc_admin, "/admin/previews/test-send", SEND).status_code == 403

    confirmed = stranger.post(path)
    assert (confirmed.status_code == 200 and b"Confirmed: laden.example may now send test mails"
            in confirmed.data)
    assert row(wc_shop).confirmed_at is not None
    page = wc_admin.get("/admin/previews").get_data(as_text=True)
    assert f'data-test-address="{ADDRESS}" data-state="confirmed"' in page
    assert f'<option value="{ADDRESS}"' in page

    sent = post(wc_admin, "/admin/previews/test-send", SEND)
    assert sent.status_code == 200 and b"sent to me@laden.example" in sent.data
    test_mail = smtp_inbox[-1]["mail"]
    assert test_mail["To"] == ADDRESS and test_mail["From"].addresses[0].addr_spec == "mail@app.example.test"

    removed = post(wc_admin, f"/admin/previews/test-addresses/{row(wc_shop).id}/remove", {})
    assert removed.status_code == 200 and row(wc_shop) is None
    assert post(wc_admin, "/admin/previews/test-send", SEND).status_code == 403
    assert stranger.post(path).status_code == 404  # its link went with it


def test_the_eleventh_test_send_within_an_hour_is_refused(wc_admin, wc_shop, one_hour):
    confirm_test_address(wc_shop, ADDRESS)
    statuses = [post(wc_admin, "/admin/previews/test-send", SEND).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    refused = post(wc_admin, "/admin/previews/test-send", SEND)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 3600
    assert b"sent 10 test mails in the last hour" in refused.data
    assert len(mail_sender().outbox) == 10


def test_confirmation_mails_are_limited_per_shop_per_address_and_in_pending_addresses(wc_admin, wc_shop,
                                                                                      client,
                                                                                      shop, one_hour):
    assert [add(wc_admin, f"a{i}@laden.example").status_code for i in range(4)] == [200, 200, 200, 422]
    assert b"3 addresses are still waiting for confirmation" in add(wc_admin, "a9@laden.example").data
    assert [add(wc_admin, "a0@laden.example").status_code for _ in range(2)] == [200, 200]  # new links
    refused = add(wc_admin, "a1@laden.example")  # the shop's sixth confirmation mail this hour
    assert refused.status_code == 429 and b"asked for 5 confirmations in the last hour" in refused.data
    # Another shop asking for the same address: three links a day reach it, whoever asks.
    refused = shopify_post(client, "/admin/previews/test-addresses", {"address": "a0@laden.example"})
    assert refused.status_code == 429 and b"was sent 3 confirmation links today" in refused.data
    assert shopify_post(client, "/admin/previews/test-addresses",
                        {"address": "x@johns.example"}).status_code == 200
    assert len(mail_sender().outbox) == 6


def test_a_link_for_one_shop_confirms_nothing_for_another(app, wc_admin, wc_shop, client, shop, smtp_inbox):
    add(wc_admin)
    assert shopify_post(client, "/admin/previews/test-addresses", {"address": ADDRESS}).status_code == 200
    link_a, link_b = (link_in(m["mail"]) for m in smtp_inbox)
    assert app.test_client().post(link_a).status_code == 200
    assert row(wc_shop).confirmed_at is not None and row(shop).confirmed_at is None
    assert shopify_post(client, "/admin/previews/test-send", SEND).status_code == 403
    # Shop B's admin cannot remove (or learn about) shop A's address by its id.
    assert shopify_post(client, f"/admin/previews/test-addresses/{row(wc_shop).id}/remove",
                        {}).status_code == 404
    assert row(wc_shop) is not None
    # A's token re-signed with B's ids is no token of ours.
    forged = v1_token("guessed", "test-address-confirm", {"s": shop.id, "r": row(shop).id, "h": "x", "t": 0},
                      int(time.time()))
    assert app.test_client().post(f"/test-address/{forged}").status_code == 404
    assert row(shop).confirmed_at is None and link_b != link_a


def test_an_expired_or_superseded_link_confirms_nothing(app, wc_admin, wc_shop, smtp_inbox, monkeypatch):
    add(wc_admin)
    first = link_in(smtp_inbox[0]["mail"])
    add(wc_admin)  # a new link: the first one is void
    second = link_in(smtp_inbox[1]["mail"])
    stranger = app.test_client()
    assert stranger.post(first).status_code == 404
    later = time.time() + 25 * 3600
    monkeypatch.setattr("app.links.signer.time", SimpleNamespace(time=lambda: later))
    for answer in (stranger.get(second), stranger.post(second)):
        assert answer.status_code == 410 and b"This link has expired" in answer.data
    assert row(wc_shop).confirmed_at is None
    assert post(wc_admin, "/admin/previews/test-send", SEND).status_code == 403


def test_tokens_of_other_links_confirm_nothing(app, wc_admin, wc_shop, smtp_inbox):
    add(wc_admin)
    recipient = row(wc_shop)
    stranger = app.test_client()
    for token in (unsubscribe_token(wc_shop.id, ADDRESS, None),
                  newsletter_token(wc_shop.id, recipient.id, ADDRESS),
                  "not-a-token", "x" * 5000):
        assert stranger.get(f"/test-address/{token}").status_code == 404
        assert stranger.post(f"/test-address/{token}").status_code == 404
    assert row(wc_shop).confirmed_at is None


def test_the_sender_name_cannot_carry_another_address(wc_admin, wc_shop, smtp_inbox):
    wc_shop.name = "PayPal <service@paypal.com>"
    db.session.commit()
    confirm_test_address(wc_shop, ADDRESS)
    assert post(wc_admin, "/admin/previews/test-send", SEND).status_code == 200
    (sender,) = smtp_inbox[0]["mail"]["From"].addresses
    assert sender.addr_spec == "mail@app.example.test"
    assert sender.display_name == "PayPal servicepaypal.com"  # the name stays, the address in it cannot


@pytest.mark.parametrize("typed", ["", "no-address", "me@laden.example\r\nBcc: all@victims.example",
                                   "a" * 250 + "@laden.example", "me@laden\x00.example"])
def test_hostile_addresses_are_clear_422s(wc_admin, wc_shop, typed):
    response = add(wc_admin, typed)
    assert response.status_code == 422 and b"Enter an email address" in response.data
    assert db.session.scalars(select(TestRecipient)).all() == [] and mail_sender().outbox == []
