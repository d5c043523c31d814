"""Consent and limits: the existing-customer exemption, quiet hours and marketing caps."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import g, request

from app.domain.shop.form_fields import Field, validate_fields
from app.domain.shop.module_changes import replan_open_orders, save_module
from app.domain.shop.modules import MAIL_POLICY, module_settings
from app.extensions import db
from app.i18n import N_
from app.jobs.messages import fatigue_rules
from app.web.admin import bp
from app.web.admin.activity import log_change
from app.web.admin.admin_text import admin_language
from app.web.admin.admin_text import admin_text as t
from app.web.admin.layout import render_page

EXEMPTION = Field("existing_customer_exemption", N_("admin.legal.exemption"), "bool")
OBJECTION = Field("objection_text", N_("admin.legal.objection"), "textarea", max_length=600,
                  hint=N_("admin.legal.objection_hint"))
LIMITS = (
    Field("quiet_start", N_("admin.legal.quiet_start"), "int", 0, 23),
    Field("quiet_end", N_("admin.legal.quiet_end"), "int", 0, 23),
    Field("min_gap_hours", N_("admin.legal.min_gap_hours"), "int", 1, 168),
    Field("max_per_30_days", N_("admin.legal.max_per_30_days"), "int", 1, 30),
)


def _app_defaults() -> dict:
    """The app-wide limits a shop starts with (the same source the send job reads)."""
    rules = fatigue_rules()
    return {"quiet_start": rules.quiet_start.hour, "quiet_end": rules.quiet_end.hour,
            "min_gap_hours": int(rules.min_gap.total_seconds() // 3600),
            "max_per_30_days": rules.max_per_window}


def _stored_values(shop) -> dict:
    policy = module_settings(shop, MAIL_POLICY)
    values = {EXEMPTION.name: shop.existing_customer_exemption,
              OBJECTION.name: policy.get(OBJECTION.name) or ""}
    defaults = _app_defaults()
    for field in LIMITS:
        value = policy.get(field.name)
        values[field.name] = value if value is not None else defaults[field.name]
    return values


def _page(status: int = 200, values=None, errors=None, notice=None):
    return render_page("admin/legal.html", status, values=values or _stored_values(g.admin.shop),
                       errors=errors or {}, notice=notice, exemption=EXEMPTION, objection=OBJECTION,
                       limits=LIMITS)


@bp.get("/legal")
def legal():
    """Show the consent mode, quiet hours and caps."""
    return _page()


@bp.post("/legal")
def save_legal():
    """Store consent mode and limits; switching the exemption re-plans open orders."""
    shop = g.admin.shop
    values, errors = validate_fields((EXEMPTION, OBJECTION, *LIMITS), request.form, admin_language())
    if values.get(EXEMPTION.name) and not values.get(OBJECTION.name):
        errors[OBJECTION.name] = t("admin.legal.objection_needed")
    if values.get("quiet_start") is not None and values.get("quiet_start") == values.get("quiet_end"):
        errors["quiet_end"] = t("admin.legal.quiet_same")
    if errors:
        form = {**request.form, EXEMPTION.name: request.form.get(EXEMPTION.name) == "on"}
        return _page(422, values=form, errors=errors)
    before = _stored_values(shop)
    switched = shop.existing_customer_exemption != values[EXEMPTION.name]
    shop.existing_customer_exemption = values[EXEMPTION.name]
    save_module(db.session(), shop, MAIL_POLICY,
                settings={f.name: values[f.name] for f in (OBJECTION, *LIMITS)})
    log_change("legal", before, _stored_values(shop))
    notice = t("admin.legal.saved")
    if switched:
        count = replan_open_orders(db.session(), shop, datetime.now(timezone.utc))
        notice += " " + t("admin.legal.replanned", count=count)
    db.session.commit()
    return _page(notice=notice)
