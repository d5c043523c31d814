"""What each mail kind shows beyond the shared order facts: texts, vouchers, links, amounts.

Everything comes from the kind's module settings. A voucher in a transactional delay notice
is advertising (it turns the notice into a mixed mail), so it appears only for buyers who
may receive marketing, and then with the objection notice and unsubscribe link.
"""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode, urlsplit, urlunsplit

from app.domain.mail_kinds import KINDS, MARKETING
from app.domain.modules import module_settings
from app.domain.storefront import storefront_url
from app.domain.suppressions import marketing_permitted, suppression_reason
from app.domain.survey import merchant_survey_url
from app.extensions import db
from app.i18n import format_amount
from app.links.newsletter_confirm import confirm_url
from app.links.review import review_click_url
from app.links.tracking_page import survey_url
from app.models import ScheduledMessage
from connectors.links import web_link

NPS_SCORES = range(11)


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


def may_advertise(message: ScheduledMessage) -> bool:
    customer, shop = message.customer, message.order.shop
    if not marketing_permitted(customer, shop) or customer.suppressed_reason:
        return False
    return suppression_reason(db.session, shop.id, customer.email) is None


def kind_context(message: ScheduledMessage, lang: str) -> dict:
    kind = KINDS[message.kind]
    settings = module_settings(message.order.shop, kind.module)
    # The shop's storefront (thank-you, anniversary, win-back); None when its domain makes no link.
    shop_url = storefront_url(message.order.shop.domain)
    context: dict = {"custom_text": _localised(settings.get("texts"), lang), "voucher": None, "shop_url": shop_url}
    voucher = str(settings.get("voucher_code") or "").strip() or None
    if voucher and (kind.stream == MARKETING or may_advertise(message)):
        context["voucher"] = voucher
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
        context["share_url"] = web_link(str(settings.get("share_url") or "").strip(), https_only=True) or shop_url
    return context


def _by_id(rows, row_id):
    """The order's line or refund the message is about (its sequence); None for an admin
    preview's sample message, whose sequence names none."""
    return next((row for row in rows if row.id == row_id), None)
