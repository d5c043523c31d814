"""Do not mail: the shop's suppression list, searched by address (it keeps only hashes), and
lifting an entry with a reason, logged as `flask mail lift-suppression` logs it."""
from __future__ import annotations

from flask import abort, g, request
from sqlalchemy import func, select

from app.domain.privacy.suppressions import ALL_MAIL_REASONS, email_hash, lift_suppression, log_lift
from app.domain.shop.setting_changes import free_text
from app.extensions import db
from app.i18n import N_
from app.models import Suppression
from app.web.admin import bp
from app.web.admin.activity import log_summary
from app.web.admin.admin_text import admin_text as t
from app.web.admin.layout import render_page

MAX_ADDRESS = 254
MAX_REASON = 300
# Why an address is listed: message ids.
REASONS = {"unsubscribed": N_("admin.suppressions.reason_unsubscribed"),
           "complained": N_("admin.suppressions.reason_complained"),
           "bounced": N_("admin.suppressions.reason_bounced"),
           "redacted": N_("admin.suppressions.reason_redacted")}


def _counts(shop_id: int) -> dict[str, int]:
    rows = db.session.execute(select(Suppression.reason, func.count()).where(Suppression.shop_id == shop_id)
                              .group_by(Suppression.reason)).all()
    return dict(rows)


def _page(status: int = 200, notice=None, errors=None, email: str = "", found=None, searched=False,
          reason=""):
    return render_page("admin/suppressions.html", status, notice=notice, errors=errors or {}, email=email,
                       found=found, searched=searched, reason=reason, counts=_counts(g.admin.shop.id),
                       reasons=REASONS, all_mail=ALL_MAIL_REASONS)


def _address(raw: str) -> tuple[str, str | None]:
    email = raw.strip()
    if not email or "@" not in email or len(email) > MAX_ADDRESS or not email.isprintable():
        return email, t("admin.suppressions.whole_address")
    return email, None


def _entry(shop_id: int, email: str) -> Suppression | None:
    return db.session.scalar(select(Suppression).where(Suppression.shop_id == shop_id,
                                                       Suppression.email_hash == email_hash(email)))


@bp.get("/suppressions")
def suppressions():
    """The list's size by reason and the search form."""
    return _page()


@bp.post("/suppressions/search")
def search_suppressions():
    """Find an address: its hash is computed here and looked up (a POST: no address in URLs)."""
    email, error = _address(request.form.get("email", ""))
    if error:
        return _page(422, errors={"email": error}, email=email)
    return _page(email=email, found=_entry(g.admin.shop.id, email), searched=True)


@bp.post("/suppressions/<int:entry_id>/lift")
def lift_suppression_entry(entry_id: int):
    """Take the entry off the list; the reason is required and logged with who lifted it."""
    shop = g.admin.shop
    entry = db.session.scalar(select(Suppression)
                              .where(Suppression.id == entry_id, Suppression.shop_id == shop.id))
    if entry is None:
        abort(404, description=t("admin.suppressions.no_such_entry"))
    email, error = _address(request.form.get("email", ""))
    if error is None and email_hash(email) != entry.email_hash:
        error = t("admin.suppressions.other_address")
    reason = " ".join(request.form.get("reason", "").split())
    errors = {"email": error} if error else {}
    if not reason:
        errors["reason"] = t("admin.suppressions.reason_needed")
    elif len(reason) > MAX_REASON:
        errors["reason"] = t("admin.field.too_long", most=MAX_REASON)
    if errors:
        return _page(422, errors=errors, email=email, found=entry, searched=True, reason=reason)
    was = lift_suppression(db.session(), shop.id, email)
    log_summary("suppressions", f"entry lifted (listed as {was}): {free_text(reason)}")
    db.session.commit()
    log_lift(shop.id, was, g.admin.actor, reason)
    notice = t("admin.suppressions.lifted_all_mail") if was in ALL_MAIL_REASONS \
        else t("admin.suppressions.lifted_marketing")
    return _page(notice=notice)
