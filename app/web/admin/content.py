"""Content and branding: sender name, language, logo, colours, imprint, review target, social links,
FAQ entries and the banner."""
from __future__ import annotations

from flask import abort, g, request

from app.domain.followups.review_targets import review_link
from app.domain.shop.block_content import (
    BANNER_FIELDS,
    FAQ_FIELDS,
    MAX_FAQ_ENTRIES,
    banner_form_values,
    faq_form_values,
    validate_banner,
    validate_faq_entry,
)
from app.domain.shop.form_fields import Field, validate_fields
from app.domain.shop.module_changes import save_module
from app.domain.shop.modules import module_enabled, module_settings
from app.extensions import db
from app.i18n import N_
from app.web.admin import bp
from app.web.admin.activity import log_change, log_summary
from app.web.admin.admin_text import admin_language
from app.web.admin.admin_text import admin_text as t
from app.web.admin.layout import render_page

IDENTITY = (
    Field("name", N_("admin.content.name"), "text", low=1, max_length=100),
    Field("locale", N_("admin.content.locale"), "locale"),
    Field("support_email", N_("admin.content.support_email"), "email", max_length=254,
          hint=N_("admin.content.support_email_hint")),
)
BRANDING = (
    Field("logo_url", N_("admin.content.logo_url"), "https_url", max_length=500),
    Field("primary_color", N_("admin.content.primary_color"), "color", max_length=7),
    Field("accent_color", N_("admin.content.accent_color"), "color", max_length=7),
    Field("imprint", N_("admin.content.imprint"), "textarea", max_length=1000),
)
REVIEW = (
    Field("google_place_id", N_("admin.content.google_place_id"), "code", max_length=200),
    Field("trustpilot_domain", N_("admin.content.trustpilot_domain"), "domain", max_length=200),
    Field("url", N_("admin.content.review_url"), "https_url", max_length=500),
)
SOCIAL = tuple(Field(name, label, "https_url", max_length=300) for name, label in (
    ("instagram", N_("admin.content.instagram")), ("facebook", N_("admin.content.facebook")),
    ("tiktok", N_("admin.content.tiktok")), ("youtube", N_("admin.content.youtube")),
    ("pinterest", N_("admin.content.pinterest")), ("newsletter_url", N_("admin.content.newsletter_url"))))
# (message id of the section's title, its fields)
SECTIONS = ((N_("admin.content.section_shop"), IDENTITY), (N_("admin.content.section_branding"), BRANDING),
            (N_("admin.content.section_review"), REVIEW), (N_("admin.content.section_social"), SOCIAL))
DEFAULT_COLORS = {"primary_color": "#1a1a1a", "accent_color": "#005bd3"}


def _stored_values(shop) -> dict:
    branding = shop.branding or {}
    values = {"name": shop.name or "", "locale": shop.locale, "support_email": shop.support_email or ""}
    values.update({f.name: branding.get(f.name) or DEFAULT_COLORS.get(f.name, "") for f in BRANDING})
    values.update({f.name: module_settings(shop, "review_prompt").get(f.name) or "" for f in REVIEW})
    values.update({f.name: module_settings(shop, "social").get(f.name) or "" for f in SOCIAL})
    return values


def _faq_entries(shop) -> list[dict]:
    entries = module_settings(shop, "faq").get("entries")
    return [e for e in entries if isinstance(e, dict) and e.get("id")] if isinstance(entries, list) else []


def _page(shop, status: int = 200, notice: str | None = None, main=None, faq_failed=None, banner_failed=None):
    """The content page; `main`, `faq_failed` ((entry id or "new", form, errors)) and `banner_failed`
    ((form, errors)) put a rejected form back with its messages."""
    main_values, main_errors = main or (_stored_values(shop), {})
    failed_id, failed_form, failed_errors = faq_failed or (None, None, {})
    faq = [{"id": e["id"], "values": failed_form if e["id"] == failed_id else faq_form_values(e),
            "errors": failed_errors if e["id"] == failed_id else {}} for e in _faq_entries(shop)]
    new_faq = {"values": failed_form if failed_id == "new" else {"show": "always"},
               "errors": failed_errors if failed_id == "new" else {}}
    banner_values, banner_errors = banner_failed or (banner_form_values(module_settings(shop, "banner")), {})
    return render_page("admin/content.html", status, sections=SECTIONS, values=main_values,
                       main_errors=main_errors,
                       errors=main_errors or failed_errors or banner_errors, notice=notice,
                       faq=faq, new_faq=new_faq, faq_fields=FAQ_FIELDS, max_faq=MAX_FAQ_ENTRIES,
                       banner={"values": banner_values, "errors": banner_errors}, banner_fields=BANNER_FIELDS,
                       switched_on={key: module_enabled(shop, key) for key in ("faq", "banner", "social")})


@bp.get("/content")
def content():
    """Show the shop's name, branding, review target, social links, FAQ entries and banner."""
    return _page(g.admin.shop)


@bp.post("/content")
def save_content():
    """Validate and store content and branding; the next block view and mail use it."""
    shop = g.admin.shop
    fields = tuple(f for _, group in SECTIONS for f in group)
    values, errors = validate_fields(fields, request.form, admin_language())
    if errors:
        return _page(shop, 422, main=(request.form, errors))
    before = _stored_values(shop)
    shop.name, shop.locale, shop.support_email = values["name"], values["locale"], values["support_email"]
    shop.branding = {**(shop.branding or {}), **{f.name: values[f.name] for f in BRANDING}}
    review = {f.name: values[f.name] for f in REVIEW}
    save_module(db.session(), shop, "review_prompt", settings=review)
    # The review-request mail links to the same target as the block's prompt.
    save_module(db.session(), shop, "mail_review_request", settings={"review_url": review_link(review)})
    save_module(db.session(), shop, "social", settings={f.name: values[f.name] for f in SOCIAL})
    log_change("content", before, _stored_values(shop))
    db.session.commit()
    return _page(shop, notice=t("admin.content.saved"))


@bp.post("/content/faq")
def add_faq_entry():
    """Add one FAQ or how-to entry."""
    shop = g.admin.shop
    entries = _faq_entries(shop)
    entry, errors = validate_faq_entry(request.form, lang=admin_language())
    if not errors and len(entries) >= MAX_FAQ_ENTRIES:
        errors = {"question_de": t("admin.content.faq_full", most=MAX_FAQ_ENTRIES)}
    if errors:
        return _page(shop, 422, faq_failed=("new", request.form, errors))
    save_module(db.session(), shop, "faq", settings={"entries": [*entries, entry]})
    log_summary("faq", f"entry added: {_faq_title(entry)}")
    db.session.commit()
    return _page(shop, notice=t("admin.content.faq_added"))


def _faq_title(entry: dict) -> str:
    values = faq_form_values(entry)
    return values["question_de"] or values["question_en"] or entry.get("id", "")


def _entry_index(entries: list[dict], entry_id: str) -> int:
    index = next((n for n, e in enumerate(entries) if e["id"] == entry_id), None)
    if index is None:
        abort(404, description=t("admin.content.faq_no_such_entry"))
    return index


@bp.post("/content/faq/<entry_id>")
def save_faq_entry(entry_id: str):
    """Change one FAQ entry in place."""
    shop = g.admin.shop
    entries = _faq_entries(shop)
    index = _entry_index(entries, entry_id)
    entry, errors = validate_faq_entry(request.form, entry_id=entry_id, lang=admin_language())
    if errors:
        return _page(shop, 422, faq_failed=(entry_id, request.form, errors))
    log_change("faq", faq_form_values(entries[index]), faq_form_values(entry))
    entries[index] = entry
    save_module(db.session(), shop, "faq", settings={"entries": entries})
    db.session.commit()
    return _page(shop, notice=t("admin.content.faq_saved"))


@bp.post("/content/faq/<entry_id>/delete")
def delete_faq_entry(entry_id: str):
    shop = g.admin.shop
    entries = _faq_entries(shop)
    removed = entries.pop(_entry_index(entries, entry_id))
    save_module(db.session(), shop, "faq", settings={"entries": entries})
    log_summary("faq", f"entry removed: {_faq_title(removed)}")
    db.session.commit()
    return _page(shop, notice=t("admin.content.faq_removed"))


@bp.post("/content/banner")
def save_banner():
    """Store the banner; its discount code still never shows before delivery."""
    shop = g.admin.shop
    settings, errors = validate_banner(request.form, admin_language())
    if errors:
        return _page(shop, 422, banner_failed=(request.form, errors))
    before = banner_form_values(module_settings(shop, "banner"))
    save_module(db.session(), shop, "banner", settings=settings)
    log_change("banner", before, banner_form_values(module_settings(shop, "banner")))
    db.session.commit()
    return _page(shop, notice=t("admin.content.banner_saved"))
