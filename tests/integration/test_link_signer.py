"""The one signer of app/links/signer.py: its wire format (the same bytes as the plugin's PHP),
purpose separation, lifetimes from one table, SECRET_KEY rotation, and the formats before it
(app/links/legacy.py) read until their date, checked against tokens the old code really made."""
from __future__ import annotations

import itertools
import json
from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.domain.privacy.suppressions import email_hash
from app.extensions import db
from app.links import legacy, signer
from app.links.module_clicks import Click, read_click_token
from app.links.newsletter_confirm import LinkExpired, read_confirm_token
from app.links.review import read_review_click_token
from app.links.test_address import LinkExpired as AddressLinkExpired
from app.links.test_address import read_confirm_token as read_test_address_token
from app.links.tracking_page import read_tracking_token
from app.links.unsubscribe import read_unsubscribe_token, unsubscribe_token
from app.models import Customer, Suppression
from tests.integration.test_woocommerce_plugin import needs_php, php
from tests.support.factories import make_order
from tests.support.link_tokens import old_app_token, v1_token

SECRET = "test-secret-key"  # tests/support/app_config.py
# Made by the code before the one format (2026-12-07, SECRET_KEY "test-secret-key"), with
# unsubscribe_token(3, "Anna@Example.com", 41), _serializer().dumps({"m": 77}) in review_clicks,
# confirm_token(3, 41, "anna@example.com") in newsletter_links, confirm_token(3, 5,
# "owner@laden.example", 2026-12-07 11:00 UTC) in test_recipient_links and tracking_token for
# shop 3, order 9 in tracking_links; the timed ones stamped 1796643009.
OLD_UNSUBSCRIBE = (".eJwFwbsNwCAMBcBdXk1hgz-BbbAtlD5llN1z9-LBGg03Fo6XSvZetTXYL-puRpxFpJNmOKmMk7Ittvf"
                   "yoSEZMyKM-RCjIbGEvx-yBRYb.1WFVNpeRdW_HkAYlKcQRcvam6uA")
OLD_REVIEW = "eyJtIjo3N30.HY6RQGRewxykF_ShJYEioHlbIuA"
OLD_NEWSLETTER = (".eJwFwbsNwCAMBcBdXk1hgz-BbbAtlD5llN1z9-LBGg2JJdxwY-F4qWTvVVuD_aLuZsRZRDpphpPKOCn"
                  "bYnsvHxqSMSPCmA8xvh-WzxYb.axaYwQ.xu_sZn_0pV7td89YSVH4YQjHVhw")
OLD_TEST_ADDRESS = (".eJwtwTsSwyAMBcC7vJoC9Be3Edge1066TO6eJrsfvDC54cHUhhsTHLZpSJafYU6s7OukI0uCVWoxh9r"
                    "26F5pWiuFVmSO6-h86TY0vDGHp5kM6n_fH1UyGYk.axaYwQ.eTw78nlsnIyufDwd-fU2WMfHVtk")
OLD_TRACKING = "eyJzIjozLCJvIjo5fQ.axaYwQ.XQwqSX36LMGeULZ5WbgDvli6jEg"
# click_url(order 9 of shop 3, "mail_thank_you", "https://laden.example/") in module_clicks (untimed).
OLD_CLICK = ("eyJzIjozLCJvIjo5LCJtIjoibWFpbF90aGFua195b3UiLCJ1IjoiaHR0cHM6Ly9sYWRlbi5leGFtcGxlLyJ9"
             ".rH91wssRSmBDTu4MyvtzFYqIPSU")
STAMPED = 1796643009
ANNA = email_hash("anna@example.com")
# Vectors of the one format; tests/integration/test_woocommerce_plugin.py and the PHP below make the same.
VECTORS = [
    ("embed", {"s": "abc", "o": 12, "k": "wc_order_x"}, "sekret", 1900000000),
    ("admin-login", {"s": "Zx-_9aB", "u": 7, "n": "n0nce"}, "s3cr3t/with+slash", 1800000000),
    ("embed", {"s": "k" * 24, "o": 123456, "k": "wc_order_a/b+c"}, "whsec0123456789abcdef", 2000000000),
    ("unsubscribe", {"s": 3, "h": "Ärger €", "c": None}, "test-secret-key", 1796643009),
]


def at(when: float):
    return SimpleNamespace(time=lambda: when)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


@pytest.mark.parametrize("purpose, data, secret, issued", VECTORS)
def test_the_wire_format_is_written_out_independently(ctx, purpose, data, secret, issued):
    kind = signer.PURPOSES[purpose]
    if kind.signed_by == "app":
        ctx.config["SECRET_KEY"] = secret
    made = signer.sign(purpose, data, secret=secret if kind.signed_by == "shop" else None, now=issued)
    assert made == v1_token(secret, purpose, data, issued)
    assert signer.verify(purpose, made, secret=secret if kind.signed_by == "shop" else None,
                         now=issued + 1) == data


@needs_php
@pytest.mark.parametrize("purpose, data, secret, issued", VECTORS)
def test_php_makes_the_same_bytes(purpose, data, secret, issued):
    made = php("link", purpose, json.dumps(data), secret, str(issued))
    assert made == v1_token(secret, purpose, data, issued)


def test_a_token_of_one_purpose_verifies_for_no_other(ctx):
    for made_for, checked_as in itertools.permutations(signer.PURPOSES, 2):
        secret = "shop-secret" if signer.PURPOSES[made_for].signed_by == "shop" else None
        token = signer.sign(made_for, {"s": "k", "o": 1, "k": "x", "u": 1, "m": 1}, secret=secret)
        with pytest.raises(signer.BadToken) as refused:
            signer.verify(checked_as, token, secret="shop-secret"
                          if signer.PURPOSES[checked_as].signed_by == "shop" else None)
        assert refused.value.reason == "forged", (made_for, checked_as)
    # The same body under another purpose's name, signed with this purpose's key: the name must match.
    relabelled = v1_token(SECRET, "unsubscribe", {"m": 1}, 1_800_000_000)
    body = json.loads(signer.b64decode(relabelled.split(".")[1]))
    assert body["p"] == "unsubscribe"
    with pytest.raises(signer.BadToken):
        signer.verify("review-click", relabelled, now=1_800_000_001)


@pytest.mark.parametrize("purpose", sorted(signer.PURPOSES))
def test_each_purpose_lives_as_long_as_its_table_says(ctx, purpose):
    kind = signer.PURPOSES[purpose]
    secret = "shop-secret" if kind.signed_by == "shop" else None
    token = signer.sign(purpose, {"x": 1}, secret=secret, now=1_800_000_000)
    if kind.max_age is None:
        ten_years = 10 * 365 * 86400
        assert signer.verify(purpose, token, secret=secret, now=1_800_000_000 + ten_years) == {"x": 1}
    else:
        assert signer.verify(purpose, token, secret=secret, now=1_800_000_000 + kind.max_age) == {"x": 1}
        with pytest.raises(signer.BadToken) as late:
            signer.verify(purpose, token, secret=secret, now=1_800_000_000 + kind.max_age + 1)
        assert (late.value.reason, late.value.data) == ("expired", {"x": 1})
    with pytest.raises(signer.BadToken) as ahead:
        signer.verify(purpose, token, secret=secret, now=1_800_000_000 - signer.CLOCK_SKEW_SECONDS - 1)
    assert ahead.value.reason == "future"
    assert signer.verify(purpose, token, secret=secret, now=1_800_000_000 - signer.CLOCK_SKEW_SECONDS)


@pytest.mark.parametrize("token", ["", "v1", "v1..", "v1.e30.", "v1.%%%.abc", "v2.e30.abc",
                                   "v1.bm90IGpzb24.abc", "v1.W10.abc", "v1.é.abc", "a.b.c.d",
                                   "v1.eyJwIjoidW5zdWJzY3JpYmUifQ.abc"])
def test_malformed_tokens_are_refused_as_such(ctx, token):
    with pytest.raises(signer.BadToken) as refused:
        signer.verify("shopify-oauth-state", token)
    assert refused.value.reason == "malformed"


@pytest.mark.parametrize("read, purpose, good, bad", [
    (read_tracking_token, "tracking-page", {"s": 1, "o": 2}, [{"s": 1}, {"s": "1", "o": 2}, [1, 2]]),
    (read_review_click_token, "review-click", {"m": 7}, [{"m": "7"}, {}, 7]),
    (read_unsubscribe_token, "unsubscribe", {"s": 1, "h": "ab", "c": None}, [{"s": 1, "h": 5}, {"h": "ab"}]),
])
def test_a_signed_token_of_the_wrong_shape_reads_as_none(ctx, read, purpose, good, bad):
    assert read(signer.sign(purpose, good)) is not None
    for data in bad:
        assert read(signer.sign(purpose, data)) is None, data
    assert read(signer.sign(purpose, good)[:-2]) is None  # forged


def test_a_rotated_secret_key_verifies_while_it_is_kept_as_secret_key_old(ctx):
    token = signer.sign("unsubscribe", {"s": 1, "h": "x", "c": None})
    old_format = old_app_token(SECRET, "review-click", {"m": 5})
    ctx.config["SECRET_KEY"] = "the-new-secret"
    with pytest.raises(signer.BadToken):
        signer.verify("unsubscribe", token)
    with pytest.raises(signer.BadToken):
        signer.verify("review-click", old_format)
    ctx.config["SECRET_KEY_OLD"] = SECRET
    assert signer.verify("unsubscribe", token) == {"s": 1, "h": "x", "c": None}
    assert read_review_click_token(old_format) == 5
    # a module's click link in a mail sent before the rotation still leads where it did
    assert read_click_token(OLD_CLICK).url == "https://laden.example/"
    fresh = signer.sign("unsubscribe", {"s": 1})
    assert fresh == v1_token("the-new-secret", "unsubscribe", {"s": 1}, json.loads(
        signer.b64decode(fresh.split(".")[1]))["t"])  # new links sign with the new key


def test_links_the_old_code_mailed_still_verify(ctx, monkeypatch):
    monkeypatch.setattr("app.links.signer.time", at(STAMPED + 86400))  # the next day
    target = read_unsubscribe_token(OLD_UNSUBSCRIBE)
    assert (target.shop_id, target.email_hash, target.customer_id) == (3, ANNA, 41)
    assert read_review_click_token(OLD_REVIEW) == 77
    confirm = read_confirm_token(OLD_NEWSLETTER)
    assert (confirm.shop_id, confirm.customer_id, confirm.email_hash) == (3, 41, ANNA)
    recipient = read_test_address_token(OLD_TEST_ADDRESS)
    assert (recipient.shop_id, recipient.recipient_id) == (3, 5)
    assert recipient.email_hash == email_hash("owner@laden.example")
    assert read_tracking_token(OLD_TRACKING) == (3, 9)
    assert read_click_token(OLD_CLICK) == Click(3, 9, "mail_thank_you", "https://laden.example/")
    # the tests' old-format helper is the old code, byte for byte
    assert old_app_token(SECRET, "unsubscribe", {"s": 3, "h": ANNA, "c": 41}) == OLD_UNSUBSCRIBE
    assert old_app_token(SECRET, "review-click", {"m": 77}) == OLD_REVIEW
    assert old_app_token(SECRET, "module-click", {"s": 3, "o": 9, "m": "mail_thank_you",
                                                  "u": "https://laden.example/"}) == OLD_CLICK


def test_old_links_keep_their_old_lifetimes(ctx, monkeypatch):
    monkeypatch.setattr("app.links.signer.time", at(STAMPED + 7 * 86400 + 1))
    with pytest.raises(LinkExpired) as expired:
        read_confirm_token(OLD_NEWSLETTER)
    assert expired.value.target.customer_id == 41  # whose it was, for the page that says so
    with pytest.raises(AddressLinkExpired):
        read_test_address_token(OLD_TEST_ADDRESS)
    monkeypatch.setattr("app.links.signer.time", at(STAMPED + 180 * 86400))
    assert read_tracking_token(OLD_TRACKING) == (3, 9)
    monkeypatch.setattr("app.links.signer.time", at(STAMPED + 180 * 86400 + 1))
    assert read_tracking_token(OLD_TRACKING) is None
    assert read_unsubscribe_token(OLD_UNSUBSCRIBE) is not None  # never expired


@pytest.mark.parametrize("purpose", sorted(legacy.UNTIL))
def test_old_formats_are_refused_from_the_day_after_their_date(ctx, purpose):
    last_day = datetime.combine(legacy.UNTIL[purpose], time(23, 59), timezone.utc).timestamp()
    assert legacy.accepted(purpose, last_day) and not legacy.accepted(purpose, last_day + 61)
    if purpose in legacy.SERIALIZERS:
        with pytest.raises(signer.BadToken) as refused:
            signer.verify(purpose, OLD_REVIEW if purpose == "review-click" else OLD_UNSUBSCRIBE,
                          now=last_day + 61)
        assert refused.value.reason == "retired"


def test_legacy_dates_cover_each_lifetime_after_a_release_by_the_end_of_january_2027():
    release = datetime(2027, 1, 31, tzinfo=timezone.utc)
    for purpose, until in legacy.UNTIL.items():
        lifetime = signer.PURPOSES[purpose].max_age
        if lifetime is not None and purpose in legacy.SERIALIZERS:
            assert until >= (release + timedelta(seconds=lifetime)).date(), purpose
    assert set(legacy.UNTIL) == set(legacy.SERIALIZERS) | set(legacy.PLUGIN_FORMATS)


def test_one_click_unsubscribe_with_a_link_mailed_before_the_one_format(app, client, shop):
    """RFC 8058: the mail's List-Unsubscribe URL is POSTed with List-Unsubscribe=One-Click."""
    order = make_order(shop)
    db.session.commit()
    customer = order.customer
    with app.test_request_context():
        old = old_app_token(app.config["SECRET_KEY"], "unsubscribe",
                            {"s": shop.id, "h": email_hash(customer.email), "c": customer.id})
        new = unsubscribe_token(shop.id, customer.email, customer.id)
    assert old != new and not old.startswith("v1.") and new.startswith("v1.")
    assert client.post(f"/u/{old}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.expire_all()
    assert db.session.scalars(select(Suppression.reason)).all() == ["unsubscribed"]
    assert db.session.get(Customer, customer.id).marketing_consent == "withdrawn"
    again = client.post(f"/u/{new}", data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200  # idempotent


def test_a_click_link_is_the_same_bytes_whenever_it_is_made(ctx, monkeypatch, shop):
    """Block answers are cached per process and answered with one ETag everywhere
    (app/web/presented_cache.py): the click links in them must not carry the clock."""
    from app.links.module_clicks import click_url

    order = make_order(shop)
    db.session.commit()
    monkeypatch.setattr("app.links.signer.time", at(STAMPED))
    first = click_url(order, "reorder", "https://laden.example/cart")
    monkeypatch.setattr("app.links.signer.time", at(STAMPED + 86400))
    assert click_url(order, "reorder", "https://laden.example/cart") == first
    assert read_click_token(first.rsplit("/c/", 1)[1]) == Click(shop.id, order.id, "reorder",
                                                                 "https://laden.example/cart")
