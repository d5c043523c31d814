"""Modules: a switch and settings for every block part and mail kind."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import abort, g, request

from app.domain.followups.vouchers import voucher_setting
from app.domain.shop.form_fields import form_values, format_field
from app.domain.shop.module_changes import replan_open_orders, save_module
from app.domain.shop.module_fields import BLOCK_MODULES, mail_modules, module_specs, validate_settings
from app.domain.shop.modules import module_enabled, module_settings
from app.extensions import db
from app.web.admin import bp
from app.web.admin.activity import log_change
from app.web.admin.admin_text import admin_language
from app.web.admin.admin_text import admin_text as t
from app.web.admin.layout import render_page


def _module_rows(shop, failed_key: str | None = None, form=None, errors=None) -> dict:
    """Each module with its switch and its fields' shown values (the rejected input if any)."""
    def row(spec):
        stored = module_settings(shop, spec.key)
        values: dict[str, Any]
        if spec.key == failed_key:
            values = form_values(spec.fields, form)
            enabled = form.get("enabled") == "on"
        else:
            values = {f.name: stored.get(f.name) if f.kind == "bool" else format_field(f, stored.get(f.name))
                      for f in spec.fields}
            enabled = module_enabled(shop, spec.key)
            if "voucher_mode" in values and not stored.get("voucher_mode"):
                values["voucher_mode"] = voucher_setting(stored).mode  # saved before modes
        return {"spec": spec, "enabled": enabled, "values": values,
                "errors": errors if spec.key == failed_key else {}}

    return {"block": [row(s) for s in BLOCK_MODULES], "mail": [row(s) for s in mail_modules()]}


def _logged_state(shop, spec) -> dict:
    """The switch and the module's form fields, as the activity log compares them."""
    stored = module_settings(shop, spec.key)
    return {"enabled": module_enabled(shop, spec.key), **{f.name: stored.get(f.name) for f in spec.fields}}


@bp.get("/modules")
def modules():
    """List every module with its switch and settings."""
    return render_page("admin/modules.html", groups=_module_rows(g.admin.shop))


@bp.post("/modules/<key>")
def save_module_form(key: str):
    """Switch a module and store its settings; a flipped switch or a change re-plans open orders."""
    shop = g.admin.shop
    spec = module_specs().get(key)
    if spec is None:
        abort(404, description=t("admin.modules.no_such_module", module=key))
    settings, errors = validate_settings(spec, request.form, admin_language())
    if errors:
        return render_page("admin/modules.html", 422, errors=errors,
                           groups=_module_rows(shop, key, request.form, errors))
    before = _logged_state(shop, spec)
    switched = save_module(db.session(), shop, key, enabled=request.form.get("enabled") == "on",
                           settings=settings or None)
    after = _logged_state(shop, spec)
    log_change(key, before, after)
    # A flipped switch or changed settings (a delay, intervals, the delivery promise) move
    # the open orders' planned mail now, so the next planned mail follows what was saved.
    replan = switched or before != after
    replanned = replan_open_orders(db.session(), shop, datetime.now(timezone.utc)) if replan else 0
    db.session.commit()
    title = t(spec.title)
    notice = t("admin.modules.saved_on", module=title) if module_enabled(shop, key) \
        else t("admin.modules.saved_off", module=title)
    if replan:
        notice += " " + t("admin.modules.replanned", count=replanned)
    return render_page("admin/modules.html", notice=notice, groups=_module_rows(shop))
