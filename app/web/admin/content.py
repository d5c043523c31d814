"""Content and branding: sender name, language, logo, colours, imprint, review target, social links."""
from __future__ import annotations

from flask import g, request

from app.domain.module_changes import save_module
from app.domain.module_fields import Field, validate_fields
from app.domain.modules import module_settings
from app.domain.review_links import review_link
from app.extensions import db
from app.web.admin import bp
from app.web.admin.layout import render_page

IDENTITY = (
    Field("name", "Shop name (the sender name of every mail)", "text", low=1, max_length=100),
    Field("locale", "Default language", "locale"),
)
BRANDING = (
    Field("logo_url", "Logo address (https)", "https_url", max_length=500),
    Field("primary_color", "Main colour", "color", max_length=7),
    Field("accent_color", "Accent colour", "color", max_length=7),
    Field("imprint", "Imprint (shown in marketing mails)", "textarea", max_length=1000),
)
REVIEW = (
    Field("google_place_id", "Google place id", "code", max_length=200),
    Field("trustpilot_domain", "Trustpilot domain", "domain", max_length=200),
    Field("url", "Or your own review page (https)", "https_url", max_length=500),
)
SOCIAL = tuple(Field(name, label, "https_url", max_length=300) for name, label in (
    ("instagram", "Instagram"), ("facebook", "Facebook"), ("tiktok", "TikTok"), ("youtube", "YouTube"),
    ("pinterest", "Pinterest")))
SECTIONS = (("Shop", IDENTITY), ("Branding", BRANDING), ("Review target", REVIEW), ("Social links", SOCIAL))
DEFAULT_COLORS = {"primary_color": "#1a1a1a", "accent_color": "#005bd3"}


def _stored_values(shop) -> dict:
    branding = shop.branding or {}
    values = {"name": shop.name or "", "locale": shop.locale}
    values.update({f.name: branding.get(f.name) or DEFAULT_COLORS.get(f.name, "") for f in BRANDING})
    values.update({f.name: module_settings(shop, "review_prompt").get(f.name) or "" for f in REVIEW})
    values.update({f.name: module_settings(shop, "social").get(f.name) or "" for f in SOCIAL})
    return values


@bp.get("/content")
def content():
    """Show the shop's name, branding, review target and social links."""
    return render_page("admin/content.html", sections=SECTIONS, values=_stored_values(g.admin.shop), errors={})


@bp.post("/content")
def save_content():
    """Validate and store content and branding; the next block view and mail use it."""
    shop = g.admin.shop
    fields = tuple(f for _, group in SECTIONS for f in group)
    values, errors = validate_fields(fields, request.form)
    if errors:
        return render_page("admin/content.html", 422, sections=SECTIONS, values=request.form, errors=errors)
    shop.name, shop.locale = values["name"], values["locale"]
    shop.branding = {**(shop.branding or {}), **{f.name: values[f.name] for f in BRANDING}}
    review = {f.name: values[f.name] for f in REVIEW}
    save_module(db.session, shop, "review_prompt", settings=review)
    # The review-request mail links to the same target as the block's prompt.
    save_module(db.session, shop, "mail_review_request", settings={"review_url": review_link(review)})
    save_module(db.session, shop, "social", settings={f.name: values[f.name] for f in SOCIAL})
    db.session.commit()
    return render_page("admin/content.html", sections=SECTIONS, values=_stored_values(shop), errors={},
                       notice="Content and branding saved.")
