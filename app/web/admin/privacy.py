"""Data requests: the shop's customer data exports to download and hand over, or delete;
an export for an address on request, and erasure of a buyer on request (WooCommerce sends
neither a data-request nor a redact webhook)."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from flask import abort, g, request

from app.domain.privacy.data_exports import (
    customer_records,
    delete_after,
    export_document,
    find_export,
    requested,
    shop_exports,
)
from app.domain.privacy.lifecycle import export_customer_data, redact_customer
from app.extensions import db
from app.jobs.purge import data_export_retention
from app.web.admin import bp
from app.web.admin.admin_text import admin_text as t
from app.web.admin.layout import render_page

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _page(status: int = 200, notice: str | None = None, errors=None, email: str = "", erase_email: str = ""):
    shop, keep = g.admin.shop, data_export_retention()
    exports = [{"id": e.id, "created_at": e.created_at, "request_id": e.request_id, "requested": requested(e),
                "records": customer_records(e), "delete_after": delete_after(e, keep)}
               for e in shop_exports(db.session(), shop)]
    return render_page("admin/privacy.html", status, exports=exports, retention_days=keep.days,
                       notice=notice, errors=errors or {}, email=email, erase_email=erase_email)


@bp.get("/privacy")
def privacy():
    """List the shop's data exports with their download and delete buttons."""
    return _page()


@bp.post("/privacy/exports")
def create_export():
    """Export what the app holds about one e-mail address (for a request that reached the merchant)."""
    email = request.form.get("email", "").strip()
    if not EMAIL.match(email) or len(email) > 254:
        return _page(422, errors={"email": t("admin.privacy.email_needed")}, email=email)
    export = export_customer_data(db.session(), g.admin.shop, email, (), None)
    db.session.commit()
    found = customer_records(export)
    if found:
        return _page(notice=t("admin.privacy.export_created", export=export.id, count=found))
    return _page(notice=t("admin.privacy.export_created_empty", export=export.id))


@bp.post("/privacy/erasures")
def erase_buyer():
    """Erase what the app holds about one e-mail address, as customers/redact does (GDPR
    Art. 17), once the merchant confirms the buyer asked for it."""
    email = request.form.get("erase_email", "").strip()
    errors = {}
    if not EMAIL.match(email) or len(email) > 254:
        errors["erase_email"] = t("admin.privacy.email_needed")
    if request.form.get("confirm") != "yes":
        errors["confirm"] = t("admin.privacy.confirm_needed")
    if errors:
        return _page(422, errors=errors, erase_email=email)
    erased = redact_customer(db.session(), g.admin.shop, email, (), datetime.now(timezone.utc))
    db.session.commit()
    if erased:
        return _page(notice=t("admin.privacy.erased", count=erased))
    return _page(notice=t("admin.privacy.erased_nothing"))


def _own_export(export_id: int):
    export = find_export(db.session(), g.admin.shop, export_id)
    if export is None:
        abort(404, description=t("admin.privacy.no_such_export"))
    return export


@bp.get("/privacy/exports/<int:export_id>/download")
def download_export(export_id: int):
    """Send one export as a JSON file; never cached, since it holds a buyer's personal data."""
    export = _own_export(export_id)
    document = export_document(export, g.admin.shop, data_export_retention())
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return body, 200, {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Disposition": f'attachment; filename="data-export-{export.id}.json"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
        "Content-Security-Policy": "default-src 'none'; " + g.admin.frame_ancestors()}


@bp.post("/privacy/exports/<int:export_id>/delete")
def delete_export(export_id: int):
    """Delete one export now (once it is handed over, nothing needs to keep it)."""
    db.session.delete(_own_export(export_id))
    db.session.commit()
    return _page(notice=t("admin.privacy.export_deleted", export=export_id))
