"""After a setting row is typed or saved (tests/support/setting_rows.py): the form the page
sends, what the live preview shows, and what a buyer gets from the real order."""
from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from app.domain.followups.survey import survey_voucher_setting
from app.domain.shop.block_content import banner_form_values
from app.domain.shop.form_fields import LOCALES, format_field
from app.domain.shop.module_fields import module_specs
from app.domain.shop.modules import module_settings
from app.extensions import db
from app.links.tracking_page import tracking_url
from app.mail.kind_context import unique_voucher_due
from app.mail.render import render_message
from app.models import MessageState, Order, ScheduledMessage, Shop
from app.read_model.from_orm import message_view
from app.web.admin.content import _stored_values as content_values
from tests.support.setting_rows import Row

# A signed link (app/links/signer.py): it carries the moment it was made.
SIGNED = re.compile(r"v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def observe(row: Row, shop_id: int, order_id: int, get_json: Callable[[str], Any]) -> str:
    """What a buyer gets now: the block's part of the module, the row kind's next planned mail
    (its time and text), or the voucher the send job would create."""
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    shop = db.session.get(Shop, shop_id)
    if row.observe == "block":
        facts = get_json(urlsplit(tracking_url(order)).path + ".json")
        return repr(facts["modules"].get(row.module))
    if row.observe == "survey_voucher":
        return repr(survey_voucher_setting(shop))
    message = db.session.scalars(select(ScheduledMessage).where(
        ScheduledMessage.order_id == order_id, ScheduledMessage.kind == row.kind,
        ScheduledMessage.state == MessageState.PLANNED)).first()
    if message is None:
        return "nothing planned"
    if row.observe == "voucher":
        return repr(unique_voucher_due(message))
    if row.watch == "[data-planned]":  # a timing setting: when it goes, nothing else
        return message.send_at.isoformat()
    mail = render_message(message_view(message))
    # Signed links carry the moment they were made: the same mail renders them anew each time.
    return f"{message.send_at.isoformat()}\n{SIGNED.sub('<signed>', mail.text)}"


def form_of(shop: Shop, row: Row) -> dict[str, str]:
    """The row's form as the page fills it in from what is stored, with the row's typing."""
    form = _stored_form(shop, row)
    for name, value in row.typed.items():
        if value is True:
            form[name] = "on"
        elif value is False:
            form.pop(name, None)
        else:
            form[name] = value
    return form


def _stored_form(shop: Shop, row: Row) -> dict[str, str]:
    if row.form_id == "content-form":
        return {name: str(value or "") for name, value in content_values(shop).items()}
    if row.form_id == "banner-form":
        return dict(banner_form_values(module_settings(shop, "banner")))
    if row.form_id == "faq-new":
        return {"show": "always"}
    spec = module_specs()[row.module]
    settings = module_settings(shop, row.module)
    form: dict[str, str] = {"enabled": "on"}
    for f in spec.fields:
        shown = format_field(f, settings.get(f.name))
        if f.kind == "bool":
            if settings.get(f.name):
                form[f.name] = "on"
        elif isinstance(shown, dict):
            form.update({f"{f.name}_{lang}": shown[lang] for lang in LOCALES})
        else:
            form[f.name] = shown
    return form


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TextOf(HTMLParser):
    def __init__(self, name: str, value: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.name, self.value, self.depth, self.parts, self.done = name, value, 0, [], False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if self.depth:
            self.depth += tag not in VOID
            if tag == "iframe":  # a mail preview: its document is the srcdoc attribute
                self.parts.append(dict(attrs).get("srcdoc") or "")
        elif any(k == self.name and (self.value is None or v == self.value) for k, v in attrs):
            self.depth = 1
            self.parts.append(" ".join(f"{k}={v}" for k, v in attrs if k.startswith("data-")))

    def handle_endtag(self, tag: str) -> None:
        if self.depth and not self.done:
            self.depth -= 1
            self.done = self.depth == 0

    def handle_data(self, data: str) -> None:
        if self.depth and not self.done:
            self.parts.append(data)


def preview_text(html: str, selector: str) -> str:
    """The text of the first element matching `[name]` or `[name="value"]` (attributes included)."""
    inner = selector.strip("[]")
    name, _, value = inner.partition("=")
    parser = _TextOf(name, value.strip('"') if value else None)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())
