"""The sender domain page, in German and English: a domain refused with the reason, a new one
saved with its DKIM key, the records to publish shown, and each check's verdict per record in
plain words (found and right, found but different with what was found, missing)."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from app.domain.shop.sender_domains import dkim_name, dkim_value, spf_value
from app.extensions import db
from app.models import SenderDomain, SettingChange
from tests.support.admin_sessions import csrf_token, login_link

INCLUDE = "_spf.app.example.test"  # SPF_INCLUDE unset: _spf.<MAIL_FROM's domain>


def _text(response) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.parametrize(("locale", "words"), [
    ("de_DE", {"provider": "Domain eines Mail-Anbieters", "saved": "mit einem neuen DKIM-Schlüssel",
               "missing": "Fehlt.", "different": "Gefunden, aber anders.", "right": "Gefunden und richtig.",
               "verified": "Beide Einträge stimmen", "from": "Deine Mails gehen von Laden <service@"}),
    ("en_GB", {"provider": "a mail provider's domain", "saved": "with a new DKIM key", "missing": "Missing.",
               "different": "Found, but different.", "right": "Found and right.",
               "verified": "Both records check out", "from": "Your mails go out from Laden <service@"}),
])
def test_the_admin_page_sets_the_domain_shows_the_records_and_checks_them(app, wc_shop, fake_dns, locale,
                                                                          words):
    client = app.test_client()
    assert client.get(login_link(wc_shop, locale=locale)).status_code == 303
    token = csrf_token(client, "/admin/sender-domain")
    refused = client.post("/admin/sender-domain", data={"sender_domain": "gmx.de", "local_part": "",
                                                        "csrf_token": token})
    assert refused.status_code == 422 and words["provider"] in _text(refused)
    ours = client.post("/admin/sender-domain", data={"sender_domain": "app.example.test",
                                                     "csrf_token": token})
    assert ours.status_code == 422

    saved = client.post("/admin/sender-domain", data={"sender_domain": "Laden.Example.DE", "local_part": "",
                                                      "csrf_token": token})
    assert saved.status_code == 200 and words["saved"] in _text(saved)
    row = db.session.get(SenderDomain, wc_shop.id)
    assert (row.domain, row.local_part) == ("laden.example.de", "service")
    page = saved.get_data(as_text=True)
    assert dkim_name(row.selector, row.domain) in page and html.escape(dkim_value(row.public_key)) in page
    assert spf_value(INCLUDE) in page

    missing = _text(client.post("/admin/sender-domain/check", data={"csrf_token": token}))
    assert missing.count(words["missing"]) == 2

    fake_dns.publish("laden.example.de", "v=spf1 a mx -all")
    fake_dns.publish(dkim_name(row.selector, row.domain), dkim_value(row.public_key))
    half = client.post("/admin/sender-domain/check", data={"csrf_token": token})
    assert words["different"] in _text(half) and words["right"] in _text(half)
    assert "v=spf1 a mx -all" in _text(half)  # what was found
    assert f"v=spf1 include:{INCLUDE} a mx -all" in _text(half)  # and what to publish instead

    fake_dns.records["laden.example.de"] = [spf_value(INCLUDE)]
    done = client.post("/admin/sender-domain/check", data={"csrf_token": token})
    assert words["verified"] in _text(done) and _text(done).count(words["right"]) == 2
    assert words["from"] + "laden.example.de>" in _text(done)

    kept = client.post("/admin/sender-domain", data={"sender_domain": "laden.example.de",
                                                     "local_part": "Hallo", "csrf_token": token})
    assert kept.status_code == 200
    db.session.expire_all()
    row = db.session.get(SenderDomain, wc_shop.id)
    assert row.local_part == "hallo" and row.verified_at is not None  # same domain: same key, still verified

    client.post("/admin/sender-domain", data={"sender_domain": "", "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(SenderDomain, wc_shop.id) is None
    changes = db.session.scalars(select(SettingChange.summary)
                                 .where(SettingChange.area == "sender_domain")).all()
    assert len(changes) == 3 and any("laden.example.de" in change for change in changes)
