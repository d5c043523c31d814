"""Previews show the block in every main state and every mail kind in de and en, as sent,
except that their unsubscribe link lists nobody."""
import re
from datetime import datetime, timezone
from html import escape

from app.domain.followups.mail_kinds import KINDS
from app.domain.orders.sample_orders import SAMPLE_STATES, sample_message
from app.extensions import db
from app.jobs.messages import mail_sender
from app.mail.render import render_message
from app.models import Order, ScheduledMessage, Suppression
from tests.integration.test_admin_forms import post
from tests.support.confirmed_addresses import confirm_test_address

UNSUBSCRIBE_PATH = re.compile(r"https://app\.example\.test/u/([^\s\"'<>?&]+)")


def test_block_preview_in_every_state_and_language(wc_admin):
    for lang, label in (("de", "Zugestellt"), ("en", "Delivered")):
        page = wc_admin.get(f"/admin/previews?lang={lang}").get_data(as_text=True)
        for state in SAMPLE_STATES:
            assert f'data-preview-state="{state}"' in page
        assert label in page


def test_every_mail_kind_is_previewed_in_both_languages_exactly_as_rendered(wc_admin, wc_shop):
    page = wc_admin.get("/admin/previews").get_data(as_text=True)
    now = datetime.now(timezone.utc)
    for kind in KINDS:
        for lang in ("de", "en"):
            assert f'data-mail-preview="{kind}-{lang}"' in page
            mail = render_message(sample_message(wc_shop, kind, lang, now))
            assert escape(mail["Subject"]) in page
            body = mail.get_body(("plain",)).get_content()
            assert escape(body.splitlines()[0]) in page


def test_previews_store_nothing(wc_admin):
    wc_admin.get("/admin/previews")
    assert db.session.query(Order).count() == 0 and db.session.query(ScheduledMessage).count() == 0


def test_mail_previews_carry_an_unsubscribe_link_that_unsubscribes_nobody(wc_admin):
    page = wc_admin.get("/admin/previews").get_data(as_text=True)
    # Every marketing preview has the link, and it is the inert one, never a signed token.
    assert set(UNSUBSCRIBE_PATH.findall(page)) == {"preview"}


def test_a_test_mails_unsubscribe_link_answers_a_notice_and_lists_nobody(wc_admin, wc_shop):
    confirm_test_address(wc_shop, "me@laden.example")
    post(wc_admin, "/admin/previews/test-send",
         {"email": "me@laden.example", "kind": "review_request", "lang": "de"})
    (mail,) = mail_sender().outbox
    assert mail["List-Unsubscribe"] == "<https://app.example.test/u/preview?lang=de>"
    text, html = (mail.get_body((kind,)).get_content() for kind in ("plain", "html"))
    assert set(UNSUBSCRIBE_PATH.findall(text + html)) == {"preview"}
    # What a reader's click (GET) and a mailbox provider's one-click (POST) get: a notice.
    for answer in (wc_admin.get("/u/preview?lang=de"),
                   wc_admin.post("/u/preview?lang=de", data={"List-Unsubscribe": "One-Click"})):
        page = answer.get_data(as_text=True)
        assert answer.status_code == 200 and "Vorschau" in page and "nichts geändert" in page
        assert "<form" not in page
    assert "Preview: unsubscribe link" in wc_admin.get("/u/preview?lang=en").get_data(as_text=True)
    assert db.session.query(Suppression).count() == 0
