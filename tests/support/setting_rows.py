"""One row per setting on the Modules page: what to type, where the live preview shows it,
and which real order's block or next planned mail must follow it once saved.

`ROWS` is data: tests/integration/test_setting_rows.py runs it through the preview endpoint
and the save, tests/browser/test_setting_previews_browser.py through Chromium, and
tests/integration/test_setting_fields.py holds it against the settings the code reads, so a
new setting without a row fails.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from app.domain.arrival.work_calendars import is_working_day
from app.domain.followups.survey import survey_voucher_setting
from app.domain.followups.sync import sync_followups
from app.domain.shop.block_content import banner_form_values
from app.domain.shop.module_changes import save_derived, save_module
from app.domain.shop.module_fields import LOCALES, format_field, module_specs
from app.domain.shop.modules import module_settings
from app.extensions import db
from app.links.tracking_page import tracking_url
from app.mail.kind_context import unique_voucher_due
from app.mail.render import render_message
from app.models import MessageState, Order, OrderLine, Refund, ScheduledMessage, Shop, SurveyAnswer
from app.presenters import shop_zone
from app.read_model.from_orm import message_view
from app.web.admin.content import _stored_values as content_values
from app.web.admin.live_preview import SAMPLE_RECOMMENDATIONS, sample_placed_at
from tests.support.factories import add_parcel, carrier_scan, make_order, mark_sent

Typed = Mapping[str, "str | bool"]
UNIQUE = {"voucher_mode": "unique", "voucher_type": "percent", "voucher_value": "10", "voucher_days": 30,
          "voucher_minimum": "20"}
STATIC = {"voucher_mode": "static", "voucher_code": "DANKE10"}
# A signed link (app/links/signer.py): it carries the moment it was made.
SIGNED = re.compile(r"v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# What a module needs stored before any of its rows can show: how-to mail is planned only
# with advice, replenishment only with an interval.
NEEDS: dict[str, dict[str, Any]] = {
    "mail_how_to": {"content": {"de": "Kalt waschen.", "en": "Wash cold."}},
    "mail_replenishment": {"intervals": {"501": 30}},
    "banner": {"title": {"de": "Neu im Laden"}, "text": {"de": "Leinen für den Sommer."}},
}


@dataclass(frozen=True)
class Row:
    module: str
    setting: str  # the key the code reads from the module's settings
    typed: Typed  # form input → what is typed (True/False: a checkbox)
    watch: str  # the preview element (an attribute selector) whose text must change
    order: str  # the real order whose block or mail must follow the save (ORDERS)
    observe: str  # "block" (its JSON), "mail" (next planned), "voucher" (the issuer's setting)
    expect: str | None = None  # shown by the preview and by the saved result
    stored: Mapping[str, Any] = field(default_factory=dict)  # settings saved before the page opens
    admin_lang: str = "en"
    form_id: str = ""  # a Content-page form (CONTENT_FORMS); empty: the module's own on the Modules page

    @property
    def id(self) -> str:
        return f"{self.module}.{self.setting}"

    @property
    def form(self) -> str:
        return self.form_id or f"module-{self.module}"

    @property
    def page(self) -> str:
        return "/admin/content" if self.form_id else "/admin/modules"

    @property
    def preview_path(self) -> str:
        return CONTENT_FORMS[self.form_id][0] if self.form_id else f"/admin/modules/{self.module}/preview"

    @property
    def save_path(self) -> str:
        return CONTENT_FORMS[self.form_id][1] if self.form_id else f"/admin/modules/{self.module}"

    @property
    def kind(self) -> str:
        return self.module.removeprefix("mail_")


def _block_rows() -> list[Row]:
    est = "delivery_estimate"
    return [
        Row("tracking", "detect_carrier", {"detect_carrier": False}, '[data-live-block="shipped"]',
            "shipped_unnamed", "block"),
        Row(est, "processing_days", {"processing_days": "6"}, '[data-live-block="processing"]', "processing", "block"),
        Row(est, "cutoff_hour", {"cutoff_hour": "12"}, '[data-live-block="processing"]', "processing", "block"),
        Row(est, "origin_country", {"origin_country": "AT"}, "[data-closed-days]", "processing_on_at_holiday", "block"),
        Row(est, "origin_region", {"origin_region": "BY"}, "[data-closed-days]", "processing_on_by_holiday", "block"),
        Row(est, "transit_days", {"transit_days": "DE 6-8, EU 7-9, WORLD 10-14"}, '[data-live-block="processing"]',
            "processing", "block"),
        Row("recommendations", "max_items", {"max_items": "1"}, '[data-live-block="delivered"]', "delivered", "block"),
        Row("recommendations", "best_sellers", {"best_sellers": False}, '[data-live-block="delivered"]', "delivered",
            "block"),
        Row("newsletter", "text_de", {"text_de": "Jeden Monat neue Stoffe."}, '[data-live-block="delivered"]',
            "delivered_unsubscribed", "block", "Jeden Monat neue Stoffe.", admin_lang="de"),
        Row("newsletter", "text_en", {"text_en": "New fabrics every month."}, '[data-live-block="delivered"]',
            "delivered_unsubscribed_en", "block", "New fabrics every month."),
        Row("survey", "before_delivery", {"before_delivery": True}, '[data-live-block="shipped"]', "shipped", "block"),
        Row("survey", "question_de", {"question_de": "Wie sitzt dein Hemd?"}, '[data-live-block="delivered"]',
            "delivered", "block", "Wie sitzt dein Hemd?", admin_lang="de"),
        Row("survey", "question_en", {"question_en": "How does your shirt fit?"}, '[data-live-block="delivered"]',
            "delivered_en", "block", "How does your shirt fit?"),
        *_voucher_rows("survey", '[data-live-block="answered"]', "answered", "block", "survey_voucher"),
    ]


def _voucher_rows(module: str, shows: str, order: str, observe_static: str, observe_unique: str) -> list[Row]:
    unique = "[data-voucher-preview]"
    return [
        Row(module, "voucher_mode", dict(STATIC), shows, order, observe_static, "DANKE10"),
        Row(module, "voucher_code", {"voucher_code": "SOMMER15"}, shows, order, observe_static, "SOMMER15",
            stored=STATIC),
        Row(module, "voucher_type", {"voucher_type": "fixed"}, unique, order, observe_unique, stored=UNIQUE),
        Row(module, "voucher_value", {"voucher_value": "15"}, unique, order, observe_unique, stored=UNIQUE),
        Row(module, "voucher_days", {"voucher_days": "45"}, unique, order, observe_unique, stored=UNIQUE),
        Row(module, "voucher_minimum", {"voucher_minimum": "50"}, unique, order, observe_unique, stored=UNIQUE),
    ]


# A delay the merchant types per kind: inside the field's range, not the default.
DELAYS = {"not_shipped": "5", "delayed": "5", "review_request": "9", "review_reminder": "7", "thank_you": "3",
          "how_to": "4", "nps": "12", "anniversary": "300", "win_back": "150", "referral": "25"}
MAIL_TEXT = '[data-live-text="de"]'


def _mail_rows() -> list[Row]:
    rows = []
    for spec in (s for s in module_specs().values() if s.group == "mail"):
        kind, module = spec.key.removeprefix("mail_"), spec.key
        names = {f.name for f in spec.fields}
        text = f"Unser Absatz zu {kind}."
        rows.append(Row(module, "texts", {"texts_de": text}, MAIL_TEXT, kind, "mail", text))
        if "delay_days" in names:
            rows.append(Row(module, "delay_days", {"delay_days": DELAYS[kind]}, "[data-planned]", kind, "mail"))
        if "voucher_mode" in names:
            rows += _voucher_rows(module, MAIL_TEXT, kind, "mail", "voucher")
    advice, share, survey = "Leinen kalt waschen.", "https://laden.example/freunde", "https://laden.example/umfrage"
    rows += [
        Row("mail_how_to", "content", {"content_de": advice}, MAIL_TEXT, "how_to", "mail", advice,
            stored={"content": {}}),
        Row("mail_nps", "survey_url", {"survey_url": survey}, MAIL_TEXT, "nps", "mail", survey),
        Row("mail_replenishment", "intervals", {"intervals": "501 45"}, "[data-planned]", "replenishment", "mail",
            stored={"intervals": {}}),
        Row("mail_referral", "share_url", {"share_url": share}, MAIL_TEXT, "referral", "mail", share),
    ]
    return rows


# Content-page forms: (preview path, save path).
CONTENT_FORMS = {"content-form": ("/admin/content/preview", "/admin/content"),
                 "banner-form": ("/admin/content/banner/preview", "/admin/content/banner"),
                 "faq-new": ("/admin/content/faq/preview", "/admin/content/faq")}
DELIVERED_BLOCK = '[data-live-block="delivered"]'


def _content_rows() -> list[Row]:
    def review(setting: str, value: str) -> Row:
        return Row("review_prompt", setting, {setting: value}, DELIVERED_BLOCK, "delivered", "block",
                   form_id="content-form")

    def social(setting: str) -> Row:
        url = f"https://{setting}.example/laden"
        return Row("social", setting, {setting: url}, DELIVERED_BLOCK, "delivered", "block", form_id="content-form")

    def banner(setting: str, typed: Typed, expect: str | None = None, watch: str = DELIVERED_BLOCK,
               order: str = "delivered") -> Row:
        return Row("banner", setting, typed, watch, order, "block", expect, admin_lang="de", form_id="banner-form")

    return [
        review("google_place_id", "ChIJ2V-Mo_l1nkcRfZixfUq4DAE"), review("trustpilot_domain", "laden.example"),
        review("url", "https://laden.example/bewerten"),
        *(social(name) for name in ("instagram", "facebook", "tiktok", "youtube", "pinterest", "newsletter_url")),
        banner("title", {"title_de": "Sommerschlussverkauf"}, "Sommerschlussverkauf"),
        banner("text", {"text_de": "Alles aus Leinen reduziert."}, "Alles aus Leinen reduziert."),
        banner("url", {"url": "https://laden.example/sale"}),
        banner("discount_code", {"discount_code": "SOMMER20"}, "SOMMER20"),
        banner("show", {"show": "always"}, watch='[data-live-block="shipped"]', order="shipped"),
        Row("faq", "entries", {"question_de": "Wie wasche ich Leinen?", "answer_de": "Kalt, im Schonwaschgang."},
            DELIVERED_BLOCK, "delivered", "block", "Wie wasche ich Leinen?", admin_lang="de", form_id="faq-new"),
    ]


ROWS: tuple[Row, ...] = (*_block_rows(), *_mail_rows(), *_content_rows())


# ---- before the page opens ------------------------------------------------------------


def prepare(shop: Shop, row: Row, now: datetime) -> Order:
    """Switch the row's module on with what it needs stored, and make its real order."""
    stored = {**NEEDS.get(row.module, {}), **row.stored}
    save_module(db.session, shop, row.module, enabled=True, settings=stored)
    if row.module == "recommendations":
        save_derived(shop, "recommendations", SAMPLE_RECOMMENDATIONS)
    if row.module == "survey" and row.setting.startswith("voucher"):
        save_module(db.session, shop, "mail_nps", enabled=False)
    order = ORDERS[row.order](shop, now)
    db.session.flush()
    sync_followups(db.session, [order], now)
    db.session.commit()
    return order


def _order(shop: Shop, now: datetime, *, locale: str = "de", consent: str = "granted", status: str = "delivered",
           placed_at: datetime | None = None) -> Order:
    order = make_order(shop, platform_order_id=f"r{now.timestamp():.0f}", placed_at=placed_at or now - timedelta(days=2),
                       status=status, shipping_country="DE", financial_status="paid", lines=())
    order.lines.append(OrderLine(platform_line_id="l1", title="Leinenhemd", quantity=1, product_id="501",
                                 variant_id="9001"))
    order.customer.locale, order.customer.marketing_consent = locale, consent
    order.customer.consent_at = now - timedelta(days=2)
    return order


def _delivered(shop: Shop, now: datetime, **kwargs: Any) -> Order:
    order = _order(shop, now, **kwargs)
    parcel = add_parcel(order, status="delivered", shipped_at=now - timedelta(days=1),
                        delivered_at=now - timedelta(hours=1))
    carrier_scan(parcel, "delivered", now - timedelta(hours=1))
    order.fulfillment_status = "fulfilled"
    return order


def _parcel_in(status: str) -> Callable[[Shop, datetime], Order]:
    def build(shop: Shop, now: datetime) -> Order:
        order = _order(shop, now, status="shipped")
        parcel = add_parcel(order, status=status, shipped_at=now - timedelta(days=1))
        carrier_scan(parcel, status, now - timedelta(hours=1))
        order.fulfillment_status = "fulfilled"
        return order
    return build


def _shipped_unnamed(shop: Shop, now: datetime) -> Order:
    order = _order(shop, now, status="shipped")
    add_parcel(order, status="in_transit", carrier=None, shipped_at=now - timedelta(hours=5))
    return order


def _processing_at(moment: Callable[[Shop, datetime], datetime]) -> Callable[[Shop, datetime], Order]:
    def build(shop: Shop, now: datetime) -> Order:
        return _order(shop, now, status="processing", placed_at=moment(shop, now))
    return build


def holiday_of(country: str, region: str | None, shop: Shop, now: datetime) -> datetime:
    """10:00 (shop time) on the next weekday Germany works and `country`/`region` does not."""
    day = now.astimezone(shop_zone(shop)).date() + timedelta(days=1)
    while day.weekday() >= 5 or not is_working_day(day, "DE") or is_working_day(day, country, region):
        day += timedelta(days=1)
    return datetime.combine(day, time(10), shop_zone(shop)).astimezone(timezone.utc)


def _refund(returned: bool) -> Callable[[Shop, datetime], Order]:
    def build(shop: Shop, now: datetime) -> Order:
        order = _delivered(shop, now)
        order.refunds.append(Refund(platform_refund_id="rf1", created_at=now - timedelta(minutes=30),
                                    returned=returned, amount=order.total_price or 59))
        return order
    return build


def _review_sent(shop: Shop, now: datetime) -> Order:
    order = _delivered(shop, now)
    db.session.flush()
    sent = ScheduledMessage(shop_id=shop.id, order_id=order.id, customer_id=order.customer.id, kind="review_request",
                            sequence=0, stream="marketing", send_at=now - timedelta(days=1),
                            state=MessageState.PLANNED)
    db.session.add(sent)
    mark_sent(sent, now - timedelta(days=1))
    return order


def _answered(shop: Shop, now: datetime) -> Order:
    order = _delivered(shop, now)
    db.session.flush()
    db.session.add(SurveyAnswer(shop_id=shop.id, order_id=order.id, score=9, answered_at=now, updated_at=now))
    return order


ORDERS: dict[str, Callable[[Shop, datetime], Order]] = {
    "processing": _processing_at(lambda shop, now: sample_placed_at(shop, now)),
    "processing_on_at_holiday": _processing_at(lambda shop, now: holiday_of("AT", None, shop, now)),
    "processing_on_by_holiday": _processing_at(lambda shop, now: holiday_of("DE", "BY", shop, now)),
    "shipped_unnamed": _shipped_unnamed,
    "shipped": _parcel_in("in_transit"),
    "delivered": _delivered,
    "delivered_en": lambda shop, now: _delivered(shop, now, locale="en"),
    "delivered_unsubscribed": lambda shop, now: _delivered(shop, now, consent="unknown"),
    "delivered_unsubscribed_en": lambda shop, now: _delivered(shop, now, consent="unknown", locale="en"),
    "answered": _answered,
    "out_for_delivery": _parcel_in("out_for_delivery"),
    "ready_for_pickup": _parcel_in("available_for_pickup"),
    "not_shipped": _processing_at(lambda shop, now: now - timedelta(hours=1)),
    "delayed": _parcel_in("in_transit"),  # the carrier spoke an hour ago: stalled after the delay
    "return_received": _refund(True),
    "refund_issued": _refund(False),
    "review_reminder": _review_sent,
    **{kind: _delivered for kind in ("review_request", "thank_you", "how_to", "nps", "replenishment",
                                     "anniversary", "win_back", "referral")},
}


# ---- what follows the save ------------------------------------------------------------


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
