"""A shop's own sender domain: what may be entered, the records to publish, and the verdicts
on what DNS answered (app/domain/shop/sender_domains.py, app/keys/dkim_keys.py)."""
from __future__ import annotations

import base64

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.hashes import SHA256

from app.domain.shop.sender_domains import (
    DEFAULT_LOCAL_PART,
    DIFFERENT,
    MISSING,
    RIGHT,
    UNANSWERED,
    Verdict,
    address_domain,
    dkim_name,
    dkim_value,
    dkim_verdict,
    dmarc_verdict,
    parse_local_part,
    parse_sender_domain,
    spf_suggestion,
    spf_value,
    spf_verdict,
    verified,
)
from app.keys.dkim_keys import new_key_pair
from app.mail.own_sender import OwnSender, SignedMail

OURS = ("app.example.test", "mail.example.test", "bounces.example.test")
INCLUDE = "_spf.mail.example.test"


@pytest.mark.parametrize(("typed", "stored", "error"), [
    ("example.de", "example.de", None),
    ("  Mail.Example.DE. ", "mail.example.de", None),
    ("müller-shop.de", "xn--mller-shop-9db.de", None),
    ("", None, None),
    ("https://example.de", None, "domain only"),
    ("service@example.de", None, "domain only"),
    ("example.de:25", None, "domain only"),
    ("localhost", None, "not a valid domain"),
    ("192.168.0.1", None, "not a valid domain"),
    ("-bad-.example.de", None, "not a valid domain"),
    ("mail.example.test", None, "our own domain"),
    ("shop.app.example.test", None, "our own domain"),
    ("gmail.com", None, "mail provider"),
    ("web.de", None, "mail provider"),
    ("news.gmx.de", None, "mail provider"),
])
def test_what_a_merchant_may_enter_as_sender_domain(typed, stored, error):
    domain, message = parse_sender_domain(typed, OURS)
    assert domain == stored
    assert (message is None) if error is None else (error in message), message


def test_the_errors_speak_german_too():
    assert "Mail-Anbieters" in parse_sender_domain("gmail.com", OURS, "de")[1]


@pytest.mark.parametrize(("typed", "stored", "ok"), [
    ("", DEFAULT_LOCAL_PART, True), ("Kundenservice", "kundenservice", True),
    ("info.shop", "info.shop", True),
    ("a b", "a b", False), ("x@y", "x@y", False), (".lead", ".lead", False), ("ü", "ü", False),
    ("a" * 65, "a" * 65, False),
])
def test_the_local_part_is_a_plain_ascii_dot_atom(typed, stored, ok):
    local, error = parse_local_part(typed)
    assert local == stored and (error is None) == ok


def test_the_domain_of_an_address():
    assert address_domain("Aftersales <Mail@Example.Test>") == "example.test"
    assert address_domain("no-reply@localhost") == "localhost"


def test_a_key_pair_is_rsa_2048_and_its_record_carries_the_public_half():
    pair = new_key_pair()
    private = serialization.load_pem_private_key(pair.private_pem.encode(), None)
    assert isinstance(private, rsa.RSAPrivateKey) and private.key_size == 2048
    assert pair.private_pem.startswith("-----BEGIN RSA PRIVATE KEY-----")  # PKCS#1, as dkimpy reads it
    public = serialization.load_der_public_key(base64.b64decode(pair.public_key))
    signature = private.sign(b"probe", padding.PKCS1v15(), SHA256())
    public.verify(signature, b"probe", padding.PKCS1v15(), SHA256())  # raises if not the pair's
    assert dkim_value(pair.public_key) == f"v=DKIM1; k=rsa; p={pair.public_key}"
    assert dkim_name(pair.selector, "example.de") == f"{pair.selector}._domainkey.example.de"
    assert pair.selector != new_key_pair().selector


KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwrong"


@pytest.mark.parametrize(("values", "verdict"), [
    ({f"v=DKIM1; k=rsa; p={KEY}"}, RIGHT),
    ({f"v=DKIM1;k=rsa;p={KEY[:40]} {KEY[40:]}"}, RIGHT),  # whitespace inside p= (split strings)
    ({f"p={KEY}"}, RIGHT),  # v= and k= may be left out
    ({f"v=DKIM1; k=rsa; p={KEY}x"}, DIFFERENT),
    ({f"v=DKIM1; k=ed25519; p={KEY}"}, DIFFERENT),
    ({"v=DKIM1; k=rsa; p="}, DIFFERENT),  # a revoked key
    (set(), MISSING),
])
def test_the_dkim_verdict(values, verdict):
    found = dkim_verdict(values, KEY)
    assert found.verdict == verdict
    assert found.found == (() if verdict == MISSING else tuple(sorted(values)))


@pytest.mark.parametrize(("values", "verdict"), [
    ({f"v=spf1 include:{INCLUDE} ~all"}, RIGHT),
    ({f"v=spf1 mx +include:{INCLUDE} include:_spf.google.com -all", "google-site-verification=abc"}, RIGHT),
    ({"v=spf1 mx include:_spf.google.com -all"}, DIFFERENT),
    ({f"v=spf1 -include:{INCLUDE} ~all"}, DIFFERENT),  # a "fail" qualifier keeps us out
    ({f"v=spf1 include:{INCLUDE} ~all", "v=spf1 mx -all"}, DIFFERENT),  # two SPF records: permerror
    ({"google-site-verification=abc"}, MISSING),
    (set(), MISSING),
])
def test_the_spf_verdict(values, verdict):
    assert spf_verdict(values, INCLUDE).verdict == verdict


def test_a_different_spf_record_is_shown_as_found_and_a_merged_one_suggested():
    found = spf_verdict({"v=spf1 mx include:_spf.google.com -all", "other=1"}, INCLUDE)
    assert found == Verdict(DIFFERENT, ("v=spf1 mx include:_spf.google.com -all",))
    assert spf_suggestion(found.found, INCLUDE) == f"v=spf1 include:{INCLUDE} mx include:_spf.google.com -all"
    assert spf_suggestion((), INCLUDE) == spf_value(INCLUDE) == f"v=spf1 include:{INCLUDE} ~all"


def test_dmarc_is_only_reported():
    assert dmarc_verdict({"v=DMARC1; p=reject"}) == Verdict(RIGHT, ("v=DMARC1; p=reject",))
    assert dmarc_verdict({"something else"}).verdict == MISSING


@pytest.mark.parametrize(("dkim", "spf", "was", "now"), [
    (RIGHT, RIGHT, False, True),
    (RIGHT, MISSING, True, False),
    (DIFFERENT, RIGHT, True, False),
    (RIGHT, UNANSWERED, True, True),  # no answer is no news
    (UNANSWERED, RIGHT, False, False),
    (UNANSWERED, MISSING, True, False),
])
def test_mail_goes_from_the_domain_only_while_both_records_check_out(dkim, spf, was, now):
    assert verified(Verdict(dkim), Verdict(spf), was) is now


def test_a_signed_mail_covers_the_one_click_unsubscribe_pair_and_verifies_on_every_writing():
    pair = new_key_pair()
    own = OwnSender("service@example.de", "example.de", pair.selector, pair.private_pem.encode())
    headers = [("From", "Laden <service@example.de>"), ("To", "kundin@example.org"), ("Subject", "Grüße"),
               ("List-Unsubscribe", "<https://app.example.test/u/x>"),
               ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"), ("X-Aftersales-Ref", "m1-00")]
    mail = SignedMail(sender="mail@app.example.test", recipient="kundin@example.org", headers=headers,
                      text="Hallo\n", html="<p>Hallo</p>", own=own)
    published = {f"{pair.selector}._domainkey.example.de".encode(): dkim_value(pair.public_key).encode()}

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return published.get(name.rstrip(b"."))

    first, second = mail.as_bytes(), mail.as_bytes()  # a new MIME boundary each time, signed anew
    assert first != second and dkim.verify(first, dnsfunc=lookup) and dkim.verify(second, dnsfunc=lookup)
    covered = "".join(mail.parsed()["DKIM-Signature"].split("h=", 1)[1].split(";", 1)[0].split()).split(":")
    assert {"list-unsubscribe", "list-unsubscribe-post"} <= set(covered) and "x-aftersales-ref" not in covered
