"""One row per setting on the Modules page: what to type, where the live preview shows it,
and which real order's block or next planned mail must follow it once saved.

`ROWS` is data: tests/integration/test_setting_rows.py runs it through the preview endpoint
and the save, tests/browser/test_setting_previews_browser.py through Chromium, and
tests/integration/test_setting_fields.py holds it against the settings the code reads, so a
new setting without a row fails. Before the page opens: tests/support/setting_row_orders.py
(`prepare`); after the typing or the save: tests/support/setting_row_checks.py (`form_of`,
`preview_text`, `observe`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.domain.shop.module_fields import module_specs

Typed = Mapping[str, "str | bool"]
UNIQUE = {"voucher_mode": "unique", "voucher_type": "percent", "voucher_value": "10", "voucher_days": 30,
          "voucher_minimum": "20"}
STATIC = {"voucher_mode": "static", "voucher_code": "DANKE10"}


@dataclass(frozen=True)
class Row:
    module: str
    setting: str  # the key the code reads from the module's settings
    typed: Typed  # form input → what is typed (True/False: a checkbox)
    watch: str  # the preview element (an attribute selector) whose text must change
    order: str  # the real order whose block or mail must follow the save (setting_row_orders.ORDERS)
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
        Row(est, "processing_days", {"processing_days": "6"}, '[data-live-block="processing"]', "processing",
            "block"),
        Row(est, "cutoff_hour", {"cutoff_hour": "12"}, '[data-live-block="processing"]', "processing",
            "block"),
        Row(est, "origin_country", {"origin_country": "AT"}, "[data-closed-days]", "processing_on_at_holiday",
            "block"),
        Row(est, "origin_region", {"origin_region": "BY"}, "[data-closed-days]", "processing_on_by_holiday",
            "block"),
        Row(est, "transit_days", {"transit_days": "DE 6-8, EU 7-9, WORLD 10-14"},
            '[data-live-block="processing"]',
            "processing", "block"),
        Row("recommendations", "max_items", {"max_items": "1"}, '[data-live-block="delivered"]', "delivered",
            "block"),
        Row("recommendations", "best_sellers", {"best_sellers": False}, '[data-live-block="delivered"]',
            "delivered",
            "block"),
        Row("newsletter", "text_de", {"text_de": "Jeden Monat neue Stoffe."}, '[data-live-block="delivered"]',
            "delivered_unsubscribed", "block", "Jeden Monat neue Stoffe.", admin_lang="de"),
        Row("newsletter", "text_en", {"text_en": "New fabrics every month."}, '[data-live-block="delivered"]',
            "delivered_unsubscribed_en", "block", "New fabrics every month."),
        Row("survey", "before_delivery", {"before_delivery": True}, '[data-live-block="shipped"]', "shipped",
            "block"),
        Row("survey", "question_de", {"question_de": "Wie sitzt dein Hemd?"}, '[data-live-block="delivered"]',
            "delivered", "block", "Wie sitzt dein Hemd?", admin_lang="de"),
        Row("survey", "question_en", {"question_en": "How does your shirt fit?"},
            '[data-live-block="delivered"]',
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
        Row(module, "voucher_minimum", {"voucher_minimum": "50"}, unique, order, observe_unique,
            stored=UNIQUE),
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
            rows.append(Row(module, "delay_days", {"delay_days": DELAYS[kind]}, "[data-planned]", kind,
                            "mail"))
        if "voucher_mode" in names:
            rows += _voucher_rows(module, MAIL_TEXT, kind, "mail", "voucher")
    advice = "Leinen kalt waschen."
    share, survey = "https://laden.example/freunde", "https://laden.example/umfrage"
    rows += [
        Row("mail_how_to", "content", {"content_de": advice}, MAIL_TEXT, "how_to", "mail", advice,
            stored={"content": {}}),
        Row("mail_nps", "survey_url", {"survey_url": survey}, MAIL_TEXT, "nps", "mail", survey),
        Row("mail_replenishment", "intervals", {"intervals": "501 45"}, "[data-planned]", "replenishment",
            "mail",
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
        return Row("social", setting, {setting: url}, DELIVERED_BLOCK, "delivered", "block",
                   form_id="content-form")

    def banner(setting: str, typed: Typed, expect: str | None = None, watch: str = DELIVERED_BLOCK,
               order: str = "delivered") -> Row:
        return Row("banner", setting, typed, watch, order, "block", expect, admin_lang="de",
                   form_id="banner-form")

    return [
        review("google_place_id", "ChIJ2V-Mo_l1nkcRfZixfUq4DAE"),
        review("trustpilot_domain", "laden.example"),
        review("url", "https://laden.example/bewerten"),
        *(social(name) for name
          in ("instagram", "facebook", "tiktok", "youtube", "pinterest", "newsletter_url")),
        banner("title", {"title_de": "Sommerschlussverkauf"}, "Sommerschlussverkauf"),
        banner("text", {"text_de": "Alles aus Leinen reduziert."}, "Alles aus Leinen reduziert."),
        banner("url", {"url": "https://laden.example/sale"}),
        banner("discount_code", {"discount_code": "SOMMER20"}, "SOMMER20"),
        banner("show", {"show": "always"}, watch='[data-live-block="shipped"]', order="shipped"),
        Row("faq", "entries",
            {"question_de": "Wie wasche ich Leinen?", "answer_de": "Kalt, im Schonwaschgang."},
            DELIVERED_BLOCK, "delivered", "block", "Wie wasche ich Leinen?", admin_lang="de",
            form_id="faq-new"),
    ]


ROWS: tuple[Row, ...] = (*_block_rows(), *_mail_rows(), *_content_rows())
