"""Merchant-written block content: FAQ entries, the banner and social links.

Stored in the modules' settings JSON (no table of their own). Pure: forms go in, settings or
per-field messages come out; `faq_for_order`, `banner_for` and `social_links` pick what a buyer
sees. Every URL is re-checked on the way out, so settings written by any other path cannot
put a `javascript:` or plain-http link in front of a buyer.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping

from app.domain.shop.form_fields import Field, validate_fields
from app.i18n import FALLBACK, N_, translate
from connectors.links import web_link

LANGS = ("de", "en")
SHOW = ("always", "after_delivery")
MAX_FAQ_ENTRIES = 50
MAX_PRODUCT_IDS = 50
PRODUCT_ID = re.compile(r"^[A-Za-z0-9_:/.-]{1,64}$")
QUESTION_LENGTH = 200
ANSWER_LENGTH = 2000
SOCIAL_NETWORKS = ("instagram", "facebook", "tiktok", "youtube", "pinterest")
SOCIAL_KEYS = (*SOCIAL_NETWORKS, "newsletter_url")
SOCIAL_NAMES = {"instagram": "Instagram", "facebook": "Facebook", "tiktok": "TikTok", "youtube": "YouTube",
                "pinterest": "Pinterest"}


def safe_https(url) -> str | None:
    """The URL when it is a full https address without spaces or control characters, else None."""
    return web_link(url, https_only=True)


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _by_lang(value) -> dict[str, str]:
    """{"de": …, "en": …} from a stored value; a bare string counts for every language."""
    if isinstance(value, str):
        return {lang: value.strip() for lang in LANGS} if value.strip() else {}
    if isinstance(value, Mapping):
        return {lang: _text(value.get(lang)) for lang in LANGS if _text(value.get(lang))}
    return {}


def _fallback_order(lang: str) -> tuple[str, ...]:
    return (lang, *(other for other in LANGS if other != lang))


# FAQ


def faq_for_order(settings: Mapping, lang: str, product_ids: Iterable[str | None],
                  delivered: bool) -> list[dict]:
    """The entries that apply to this order, in the buyer's language (else the other one).

    Global entries apply to every order, product entries when one of the order's products is
    listed; `after_delivery` (how-to and care) entries only once the order is delivered.
    Scopes we cannot match against the order's data (e.g. tags) never show.
    """
    ordered = {str(p) for p in product_ids if p}
    shown = []
    entries = settings.get("entries") if isinstance(settings, Mapping) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        show = entry.get("show", "always")
        if show not in SHOW or show == "after_delivery" and not delivered:
            continue
        scope = entry.get("scope", "all")
        if scope == "product":
            wanted = entry.get("product_ids")
            if not isinstance(wanted, list) or not ordered & {str(p) for p in wanted}:
                continue
        elif scope != "all":
            continue
        questions, answers = _by_lang(entry.get("question")), _by_lang(entry.get("answer"))
        pick = next((code for code in _fallback_order(lang) if questions.get(code) and answers.get(code)),
                    None)
        if pick is None:
            continue
        shown.append({"id": str(entry.get("id") or ""), "locale": pick, "question": questions[pick],
                      "answer": answers[pick], "answer_lines": answers[pick].splitlines(), "show": show})
    return shown


FAQ_FIELDS = (
    Field("question_de", N_("admin.content.faq_question_de"), "text", max_length=QUESTION_LENGTH),
    Field("answer_de", N_("admin.content.faq_answer_de"), "textarea", max_length=ANSWER_LENGTH),
    Field("question_en", N_("admin.content.faq_question_en"), "text", max_length=QUESTION_LENGTH),
    Field("answer_en", N_("admin.content.faq_answer_en"), "textarea", max_length=ANSWER_LENGTH),
    Field("product_ids", N_("admin.content.faq_product_ids"), "text", max_length=2000),
)


def validate_faq_entry(form: Mapping[str, str], entry_id: str | None = None,
                       lang: str = FALLBACK) -> tuple[dict, dict]:
    """(entry, errors by field name, worded in `lang`) from the FAQ form."""
    entry = {}
    values, errors = validate_fields(FAQ_FIELDS, form, lang)
    question, answer = {}, {}
    for code in LANGS:
        q, a = values.get(f"question_{code}"), values.get(f"answer_{code}")
        if q and not a and f"answer_{code}" not in errors:
            errors[f"answer_{code}"] = translate(lang, "admin.content.faq_answer_missing")
        elif a and not q and f"question_{code}" not in errors:
            errors[f"question_{code}"] = translate(lang, "admin.content.faq_question_missing")
        elif q and a:
            question[code], answer[code] = q, a.replace("\r\n", "\n")
    if not question and not errors:
        errors["question_de"] = translate(lang, "admin.content.faq_empty")
    ids = []
    for part in filter(None, (p.strip() for p in (values.get("product_ids") or "").split(","))):
        if not PRODUCT_ID.match(part):
            errors["product_ids"] = translate(lang, "admin.content.faq_not_a_product", part=part[:40])
            break
        if part not in ids:
            ids.append(part)
    if len(ids) > MAX_PRODUCT_IDS:
        errors["product_ids"] = translate(lang, "admin.content.faq_too_many_products", most=MAX_PRODUCT_IDS)
    show = (form.get("show") or "").strip()
    if show not in SHOW:
        errors["show"] = translate(lang, "admin.content.faq_show_needed")
    if errors:
        return {}, errors
    entry = {"id": entry_id or secrets.token_hex(6), "question": question, "answer": answer,
             "scope": "product" if ids else "all", "product_ids": ids, "show": show}
    return entry, {}


def faq_form_values(entry: Mapping) -> dict:
    """A stored entry as the admin form shows it."""
    questions, answers = _by_lang(entry.get("question")), _by_lang(entry.get("answer"))
    values = {f"question_{lang}": questions.get(lang, "") for lang in LANGS}
    values.update({f"answer_{lang}": answers.get(lang, "") for lang in LANGS})
    values["product_ids"] = ", ".join(str(p) for p in entry.get("product_ids") or [])
    values["show"] = entry.get("show", "always")
    return values


# Banner

BANNER_FIELDS = (
    Field("title_de", N_("admin.content.banner_title_de"), "text", max_length=100),
    Field("text_de", N_("admin.content.banner_text_de"), "textarea", max_length=500),
    Field("title_en", N_("admin.content.banner_title_en"), "text", max_length=100),
    Field("text_en", N_("admin.content.banner_text_en"), "textarea", max_length=500),
    Field("url", N_("admin.content.banner_url"), "https_url", max_length=500),
    Field("discount_code", N_("admin.content.banner_discount_code"), "code", max_length=40),
)


def validate_banner(form: Mapping[str, str], lang: str = FALLBACK) -> tuple[dict, dict]:
    values, errors = validate_fields(BANNER_FIELDS, form, lang)
    show = (form.get("show") or "").strip()
    if show not in SHOW:
        errors["show"] = translate(lang, "admin.content.banner_show_needed")
    if errors:
        return {}, errors
    return {"title": {lang: values[f"title_{lang}"] for lang in LANGS if values[f"title_{lang}"]},
            "text": {lang: values[f"text_{lang}"].replace("\r\n", "\n") for lang in LANGS
                     if values[f"text_{lang}"]},
            "url": values["url"], "discount_code": values["discount_code"], "show": show}, {}


def banner_form_values(settings: Mapping) -> dict:
    titles, texts = _by_lang(settings.get("title")), _by_lang(settings.get("text"))
    values = {f"title_{lang}": titles.get(lang, "") for lang in LANGS}
    values.update({f"text_{lang}": texts.get(lang, "") for lang in LANGS})
    values.update(url=settings.get("url") or "", discount_code=settings.get("discount_code") or "",
                  show=settings.get("show") or "after_delivery")
    return values


def banner_for(settings: Mapping, lang: str, delivered: bool) -> dict | None:
    """The banner for this order, or None. A discount code never shows before delivery,
    whatever `show` says (no discount before the goods have arrived)."""
    show = settings.get("show") if settings.get("show") in SHOW else "after_delivery"
    if show == "after_delivery" and not delivered:
        return None
    titles, texts = _by_lang(settings.get("title")), _by_lang(settings.get("text"))
    pick = next((code for code in _fallback_order(lang) if titles.get(code) or texts.get(code)), None)
    if pick is None:
        return None
    code = settings.get("discount_code") if delivered else None
    code = code if isinstance(code, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,40}", code) else None
    text = texts.get(pick) or ""
    return {"locale": pick, "title": titles.get(pick) or None, "text": text or None,
            "text_lines": text.splitlines(), "url": safe_https(settings.get("url")), "discount_code": code,
            "show": show}


# Social


def social_links(settings: Mapping) -> list[dict]:
    """The shop's https profile links in a fixed order (the newsletter sign-up is separate)."""
    return [{"network": key, "name": SOCIAL_NAMES[key], "url": url}
            for key in SOCIAL_NETWORKS if (url := safe_https(settings.get(key)))]
