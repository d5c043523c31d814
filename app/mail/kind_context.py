"""What each mail kind shows beyond the shared order facts: texts, vouchers, links, amounts.

Everything comes from the kind's module settings. A voucher in a transactional delay notice
is advertising (it turns the notice into a mixed mail), so it appears only for buyers who
may receive marketing, and then with the objection notice and unsubscribe link.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TypeVar
from urllib.parse import urlencode, urlsplit, urlunsplit

from app.domain.followups.mail_kinds import KINDS, MARKETING
from app.domain.followups.survey import merchant_survey_url
from app.domain.followups.vouchers import (
    NONE,
    SAMPLE_CODE,
    STATIC,
    UNIQUE,
    VoucherSetting,
    issued_voucher,
    message_purpose,
    voucher_setting,
)
from app.domain.privacy.suppressions import marketing_permitted, suppression_reason
from app.domain.shop.modules import module_settings
from app.domain.shop.storefront import storefront_url
from app.extensions import db
from app.i18n import format_amount, format_date_with_year, translate
from app.links.module_clicks import click_url
from app.links.newsletter_confirm import confirm_url
from app.links.review import review_click_url
from app.links.tracking_page import survey_url
from app.presenters import shop_zone
from app.read_model.views import LineView, MessageView, RefundView
from connectors.links import web_link

NPS_SCORES = range(11)
T = TypeVar("T", LineView, RefundView)


def _localised(value, lang: str) -> str | None:
    """A setting given as plain text or as {"de": ..., "en": ...}."""
    if isinstance(value, dict):
        value = value.get(lang) or next((v for v in value.values() if v), None)
    text = str(value or "").strip()
    return text or None


def _with_query(url: str, **params) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


def _amount(value: Decimal | None, currency: str | None, lang: str) -> str | None:
    return format_amount(lang, value, currency) if value is not None else None


def may_advertise(message: MessageView) -> bool:
    customer, shop = message.customer, message.order.shop
    if customer is None or not marketing_permitted(customer, shop) or customer.suppressed_reason:
        return False
    return suppression_reason(db.session(), shop.id, customer.email) is None


def unique_voucher_due(message: MessageView) -> VoucherSetting | None:
    """The kind's unique-voucher setting when this mail will show a code (the send job
    creates it first); None for no voucher, a static one, or a buyer who may get no ads."""
    kind = KINDS[message.kind]
    setting = voucher_setting(module_settings(message.order.shop, kind.module))
    if setting.mode != UNIQUE or not (kind.stream == MARKETING or may_advertise(message)):
        return None
    return setting


def _shown_voucher(message: MessageView,
                   setting: VoucherSetting) -> tuple[str | None, datetime | None]:
    """(code, expiry): the static code; for a unique one the code created for this message
    (None when the platform could not make it and the mail goes without), a sample in a preview."""
    if setting.mode == STATIC:
        return setting.code, None
    if message.sample:
        return SAMPLE_CODE, datetime.now(timezone.utc) + timedelta(days=setting.days or 0)
    purpose = message_purpose(message.kind, message.sequence)
    row = issued_voucher(db.session(), message.order_id, purpose)
    return (row.code, row.expires_at) if row is not None else (None, None)


def kind_context(message: MessageView, lang: str) -> dict:
    kind = KINDS[message.kind]
    settings = module_settings(message.order.shop, kind.module)
    # The shop's storefront (thank-you, anniversary, win-back); None when its domain makes no link.
    # Through our click redirect (app/links/module_clicks.py): counted, credited to the kind's module.
    storefront = storefront_url(message.order.shop.domain)
    shop_url = click_url(message.order, kind.module, storefront)
    context: dict = {"custom_text": _localised(settings.get("texts"), lang), "voucher": None,
                     "voucher_note": None, "shop_url": shop_url}
    setting = voucher_setting(settings)
    if setting.mode != NONE and (kind.stream == MARKETING or may_advertise(message)):
        context["voucher"], expires = _shown_voucher(message, setting)
        if context["voucher"] and expires is not None:
            day = expires.astimezone(shop_zone(message.order.shop)).date()
            context["voucher_note"] = translate(lang, "mail.voucher_single_use",
                                                day=format_date_with_year(lang, day))
    if message.kind in ("review_request", "review_reminder"):
        context["review_url"] = review_click_url(message)
    elif message.kind == "how_to":
        context["content"] = _localised(settings.get("content"), lang)
    elif message.kind == "nps":
        # The merchant's survey page, else our own, which keeps the answer with the order.
        url = merchant_survey_url(message.order.shop) or survey_url(message.order)
        context["nps_links"] = [(score, _with_query(url, score=score)) for score in NPS_SCORES]
    elif message.kind == "newsletter_confirm":
        context["confirm_url"] = confirm_url(message)
    elif message.kind == "replenishment":
        line = _by_id(message.order.lines, message.sequence)
        context["product"] = line.title if line is not None else None
    elif message.kind in ("return_received", "refund_issued"):
        refund = _by_id(message.order.refunds, message.sequence)
        context["amount"] = _amount(refund.amount if refund else None, message.order.currency, lang)
    elif message.kind == "referral":
        # Passed on to friends: direct, so a friend's click is not taken for the buyer's.
        share = web_link(str(settings.get("share_url") or "").strip(), https_only=True)
        context["share_url"] = share or storefront
    return context


def _by_id(rows: tuple[T, ...], row_id: int) -> T | None:
    """The order's line or refund the message is about (its sequence); None for an admin
    preview's sample message, whose sequence names none."""
    return next((row for row in rows if row.id == row_id), None)
