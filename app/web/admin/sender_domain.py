"""Sender domain: the shop's own domain for its mails' From, the DNS records it publishes, their check.

Until both the DKIM and the SPF record check out, mail goes From our address with the shop's
name and its Reply-To (the support address, on the Content page); after, From
<local part>@<domain>, signed with the shop's key (app/mail/own_sender.py).
"""
from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parseaddr

from flask import current_app, g, request
from flask.typing import ResponseReturnValue

from app.domain.shop.custom_domains import app_host
from app.domain.shop.sender_domain_checks import apply_check, check, sender_domain_of, set_sender_domain
from app.domain.shop.sender_domains import (
    DEFAULT_LOCAL_PART,
    DIFFERENT,
    DMARC_ADVICE,
    MAX_LENGTH,
    address_domain,
    dkim_name,
    dkim_value,
    dmarc_name,
    parse_local_part,
    parse_sender_domain,
    spf_include,
    spf_suggestion,
    spf_value,
)
from app.extensions import db
from app.mail.render import sender_display_name
from app.models import SenderDomain
from app.rate_limits import allow
from app.web.admin import bp
from app.web.admin.activity import log_change
from app.web.admin.admin_text import admin_language
from app.web.admin.admin_text import admin_text as t
from app.web.admin.layout import render_page

CHECKS = (20, 600)  # DNS checks per shop per window (seconds)


def own_domains() -> tuple[str, ...]:
    """The domains that are ours: a shop may not send as them."""
    config = current_app.config
    return tuple(domain for domain in (app_host(config["APP_URL"]), address_domain(config["MAIL_FROM"]),
                                       config.get("BOUNCE_DOMAIN") or "") if domain)


def _records(row: SenderDomain) -> list[dict]:
    """The records to publish, each with the last check's verdict and what it found."""
    include = spf_include(current_app.config)
    last = row.last_check or {}
    spf_found = (last.get("spf") or {}).get("found") or []
    spf_state = (last.get("spf") or {}).get("verdict")
    return [
        {"kind": "dkim", "label": t("admin.sender_domain.kind_dkim"), "type": "TXT",
         "name": dkim_name(row.selector, row.domain), "value": dkim_value(row.public_key),
         "if_different": t("admin.sender_domain.different_dkim"), **_state(last.get("dkim"))},
        {"kind": "spf", "label": t("admin.sender_domain.kind_spf"), "type": "TXT", "name": row.domain,
         "if_different": t("admin.sender_domain.different_spf"),
         "value": spf_suggestion(spf_found, include) if spf_state == DIFFERENT else spf_value(include),
         **_state(last.get("spf"))},
    ]


def _state(checked: dict | None) -> dict:
    if not checked:
        return {"verdict": None, "found": []}
    return {"verdict": checked.get("verdict"), "found": checked.get("found") or []}


def _page(status: int = 200, values: dict | None = None, errors: dict | None = None,
          notice: str | None = None) -> ResponseReturnValue:
    shop = g.admin.shop
    row = sender_domain_of(db.session(), shop.id)
    if values is None:
        values = {"sender_domain": row.domain if row else "",
                  "local_part": row.local_part if row else DEFAULT_LOCAL_PART}
    dmarc = _state((row.last_check or {}).get("dmarc")) if row else None
    from_name = sender_display_name(shop.name) or parseaddr(current_app.config["MAIL_FROM"])[0]
    return render_page("admin/sender_domain.html", status, values=values, errors=errors or {}, notice=notice,
                       row=row, records=_records(row) if row else [], dmarc=dmarc,
                       dmarc_name=dmarc_name(row.domain) if row else None, dmarc_advice=DMARC_ADVICE,
                       from_name=from_name, our_address=parseaddr(current_app.config["MAIL_FROM"])[1],
                       max_length=MAX_LENGTH)


@bp.get("/sender-domain")
def sender_domain() -> ResponseReturnValue:
    """The sender domain form, the records to publish and what the last check found."""
    return _page()


@bp.post("/sender-domain")
def save_sender_domain() -> ResponseReturnValue:
    """Store (or remove) the sender domain and its local part; a new domain gets a new key."""
    shop, lang = g.admin.shop, admin_language()
    values = {"sender_domain": request.form.get("sender_domain", ""),
              "local_part": request.form.get("local_part", "")}
    domain, domain_error = parse_sender_domain(values["sender_domain"], own_domains(), lang)
    local_part, local_error = parse_local_part(values["local_part"], lang)
    found = (("sender_domain", domain_error), ("local_part", local_error))
    errors = {key: error for key, error in found if error}
    if errors:
        return _page(422, values=values, errors=errors)
    row = sender_domain_of(db.session(), shop.id)
    before = {"sender_domain": row.domain if row else None, "local_part": row.local_part if row else None}
    after = {"sender_domain": domain, "local_part": local_part if domain else None}
    if before == after:
        return _page(notice=t("admin.sender_domain.unchanged"))
    log_change("sender_domain", before, after)
    new_key = domain is not None and before["sender_domain"] != domain
    set_sender_domain(db.session(), shop, domain, local_part)
    db.session.commit()
    if domain is None:
        return _page(notice=t("admin.sender_domain.removed"))
    if new_key:
        return _page(notice=t("admin.sender_domain.saved_new", domain=domain))
    return _page(notice=t("admin.sender_domain.saved"))


@bp.post("/sender-domain/check")
def check_sender_domain() -> ResponseReturnValue:
    """Look the DKIM, SPF and DMARC records up now and store what was found."""
    shop = g.admin.shop
    row = sender_domain_of(db.session(), shop.id)
    if row is None:
        return _page(422, errors={"sender_domain": t("admin.sender_domain.enter_domain")})
    if not allow("sender-domain-check", str(shop.id), *CHECKS):
        return _page(429, notice=t("admin.sender_domain.too_many_checks"))
    config = current_app.config
    result = check(row, spf_include(config), config.get("DNS_RESOLVER"))
    verified = apply_check(row, result, datetime.now(timezone.utc))
    db.session.commit()
    if verified:
        return _page(notice=t("admin.sender_domain.verified", domain=row.domain))
    return _page(notice=t("admin.sender_domain.not_yet"))
