"""Re-check each shop's own sender domain once a day (the periodic table's `sender_domains`).

A merchant who published the records and never pressed "Check now" is verified within a
day; one whose records went away (a DNS move, a deleted TXT) falls back to our From before
receivers start failing the mail. A lookup that gets no answer changes nothing
(app/domain/shop/sender_domains.py verified).
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import select

from app.domain.shop.sender_domain_checks import apply_check, check, sender_domain_of
from app.domain.shop.sender_domains import spf_include
from app.extensions import db
from app.jobs.runtime import job
from app.models import SenderDomain, Shop


def sender_domain_shops() -> list[int]:
    """The ids (ascending) of installed shops that named a sender domain."""
    statement = (select(SenderDomain.shop_id).join(Shop, Shop.id == SenderDomain.shop_id)
                 .where(Shop.uninstalled_at.is_(None)).order_by(SenderDomain.shop_id))
    return list(db.session.scalars(statement))


def sender_check_job_id(shop_id: int) -> str:
    return f"sender-domain-check-{shop_id}"


@job
def recheck_sender_domain(shop_id: int, now: datetime | None = None) -> dict:
    """Look the shop's records up and store what was found; returns the verdicts."""
    now = now or datetime.now(timezone.utc)
    row = sender_domain_of(db.session(), shop_id)
    if row is None:
        return {"skipped": "no sender domain"}
    config = current_app.config
    result = check(row, spf_include(config), config.get("DNS_RESOLVER"))
    verified = apply_check(row, result, now)
    db.session.commit()
    return {"verified": verified, "dkim": result.dkim.verdict, "spf": result.spf.verdict}
