"""The live preview on the Content page: the shop's name, branding, review target and social
links, the banner, and an FAQ entry as typed, on a sample order before anything is saved.

Each form posts to its own preview here with the fields its save reads; they are validated by
the save's own validators and put on a stand-in of the shop (app/web/admin/live_preview.py
`with_modules`), which the real presenter and mail renderer read. Nothing is written.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import g, request

from app.domain.followups.mail_kinds import KINDS
from app.domain.followups.review_targets import review_link
from app.domain.shop.block_content import BANNER_FIELDS, FAQ_FIELDS, validate_banner, validate_faq_entry
from app.domain.shop.form_fields import Field, validate_fields
from app.domain.shop.modules import module_settings
from app.models import Shop
from app.web.admin import bp
from app.web.admin.admin_text import admin_language
from app.web.admin.admin_text import admin_text as t
from app.web.admin.content import BRANDING, IDENTITY, REVIEW, SECTIONS, SOCIAL
from app.web.admin.live_preview import TrialShop, block_previews, fragment, mail_previews, with_modules

Answer = tuple[str, int, dict[str, str]]


def _invalid(fields: tuple[Field, ...], errors: dict[str, str]) -> Answer:
    labels = {f.name: t(f.label) for f in fields}
    return fragment(422, errors=[(name, labels.get(name, name), text) for name, text in errors.items()])


def _blocks(shop: TrialShop, key: str, title: str, **extra: Any) -> Answer:
    now = datetime.now(timezone.utc)
    return fragment(200, title=title, blocks=block_previews(shop, key, now), **extra)


@bp.post("/content/preview")
def preview_content() -> Answer:
    """The block after delivery (review prompt, social links, branding) and the review request
    mail (sender name, Reply-To, review link) with the content form as typed."""
    fields = tuple(f for _, group in SECTIONS for f in group)
    values, errors = validate_fields(fields, request.form, admin_language())
    if errors:
        return _invalid(fields, errors)
    shop: Shop = g.admin.shop
    review = {f.name: values[f.name] for f in REVIEW}
    trial = with_modules(
        shop, {"review_prompt": review, "social": {f.name: values[f.name] for f in SOCIAL},
               "mail_review_request": {"review_url": review_link(review)}},
        **{f.name: values[f.name] for f in IDENTITY},
        branding={**(shop.branding or {}), **{f.name: values[f.name] for f in BRANDING}})
    now = datetime.now(timezone.utc)
    return fragment(200, title=t("admin.mails.review_request.title"),
                    blocks=block_previews(trial, "social", now),
                    mails=mail_previews(trial, KINDS["review_request"], now))


@bp.post("/content/banner/preview")
def preview_banner() -> Answer:
    """The block before and after delivery with the banner as typed."""
    settings, errors = validate_banner(request.form, admin_language())
    if errors:
        return _invalid(BANNER_FIELDS, errors)
    return _blocks(with_modules(g.admin.shop, {"banner": settings}), "banner", t("admin.content.banner"))


@bp.post("/content/faq/preview", defaults={"entry_id": None})
@bp.post("/content/faq/<entry_id>/preview")
def preview_faq_entry(entry_id: str | None) -> Answer:
    """The block with the FAQ entry as typed, in place of the stored one (or added)."""
    shop: Shop = g.admin.shop
    entry, errors = validate_faq_entry(request.form, entry_id=entry_id or "preview", lang=admin_language())
    if errors:
        return _invalid(FAQ_FIELDS, errors)
    stored = module_settings(shop, "faq").get("entries")
    entries = [e for e in stored if isinstance(e, dict)
               and e.get("id") != entry_id] if isinstance(stored, list) else []
    return _blocks(with_modules(shop, {"faq": {"entries": [*entries, entry]}}), "faq",
                   t("admin.modules.faq.title"))
