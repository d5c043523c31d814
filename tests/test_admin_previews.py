"""Previews show the block in every main state and every mail kind in de and en, as sent."""
from datetime import datetime, timezone
from html import escape

from app.domain.mail_kinds import KINDS
from app.domain.sample_orders import SAMPLE_STATES, sample_message
from app.extensions import db
from app.mail.render import render_message
from app.models import Order, ScheduledMessage


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
