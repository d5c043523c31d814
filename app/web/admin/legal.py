"""Consent and limits: the existing-customer exemption, quiet hours and marketing caps."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import g, request

from app.domain.shop.module_changes import replan_open_orders, save_module
from app.domain.shop.module_fields import Field, validate_fields
from app.domain.shop.modules import MAIL_POLICY, module_settings
from app.extensions import db
from app.jobs.messages import fatigue_rules
from app.web.admin import bp
from app.web.admin.activity import log_change
from app.web.admin.layout import render_page

EXEMPTION = Field("existing_customer_exemption", "Use the existing-customer exemption (§7(3) UWG)", "bool")
OBJECTION = Field("objection_text", "Objection notice", "textarea", max_length=600,
                  hint="Required with the exemption: told at collection and repeated in every mail.")
LIMITS = (
    Field("quiet_start", "Quiet hours start (hour, shop time)", "int", 0, 23),
    Field("quiet_end", "Quiet hours end (hour, shop time)", "int", 0, 23),
    Field("min_gap_hours", "Least hours between two marketing mails to one buyer", "int", 1, 168),
    Field("max_per_30_days", "Most marketing mails per buyer in 30 days", "int", 1, 30),
)


def _app_defaults() -> dict:
    """The app-wide limits a shop starts with (the same source the send job reads)."""
    rules = fatigue_rules()
    return {"quiet_start": rules.quiet_start.hour, "quiet_end": rules.quiet_end.hour,
            "min_gap_hours": int(rules.min_gap.total_seconds() // 3600), "max_per_30_days": rules.max_per_window}


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
                       errors=errors or {}, notice=notice, exemption=EXEMPTION, objection=OBJECTION, limits=LIMITS)


@bp.get("/legal")
def legal():
    """Show the consent mode, quiet hours and caps."""
    return _page()


@bp.post("/legal")
def save_legal():
    """Store consent mode and limits; switching the exemption re-plans open orders."""
    shop = g.admin.shop
    values, errors = validate_fields((EXEMPTION, OBJECTION, *LIMITS), request.form)
    if values.get(EXEMPTION.name) and not values.get(OBJECTION.name):
        errors[OBJECTION.name] = "The exemption needs the objection notice your buyers were shown."
    if values.get("quiet_start") is not None and values.get("quiet_start") == values.get("quiet_end"):
        errors["quiet_end"] = "Quiet hours must end at another hour than they start."
    if errors:
        form = {**request.form, EXEMPTION.name: request.form.get(EXEMPTION.name) == "on"}
        return _page(422, values=form, errors=errors)
    before = _stored_values(shop)
    switched = shop.existing_customer_exemption != values[EXEMPTION.name]
    shop.existing_customer_exemption = values[EXEMPTION.name]
    save_module(db.session, shop, MAIL_POLICY,
                settings={f.name: values[f.name] for f in (OBJECTION, *LIMITS)})
    log_change("legal", before, _stored_values(shop))
    notice = "Consent mode and limits saved."
    if switched:
        count = replan_open_orders(db.session, shop, datetime.now(timezone.utc))
        notice += f" Marketing mail re-planned for {count} open order(s)."
    db.session.commit()
    return _page(notice=notice)
