"""A shop's sender domain: setting it (with a fresh DKIM key) and checking its records in DNS.

`check` looks up the DKIM, SPF and DMARC TXT records (app/clients/dns_txt.py, the resolver the
custom-domain proof uses) and `apply_check` stores the verdicts and whether mail may now go
From the domain (app/domain/shop/sender_domains.py verified). The admin's "Check now" and the
daily re-check (app/jobs/sender_domain_checks.py) both run these two. The caller commits.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.clients.dns_txt import LookupFailed, txt_values
from app.domain.shop.sender_domains import (
    UNANSWERED,
    Verdict,
    dkim_name,
    dkim_verdict,
    dmarc_name,
    dmarc_verdict,
    spf_verdict,
    verified,
)
from app.keys.dkim_keys import new_key_pair
from app.models import SenderDomain, Shop

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SenderCheck:
    dkim: Verdict
    spf: Verdict
    dmarc: Verdict

    def as_dict(self) -> dict:
        return {"dkim": self.dkim.as_dict(), "spf": self.spf.as_dict(), "dmarc": self.dmarc.as_dict()}


def sender_domain_of(session: Session, shop_id: int) -> SenderDomain | None:
    return session.get(SenderDomain, shop_id)


def set_sender_domain(session: Session, shop: Shop, domain: str | None,
                      local_part: str) -> SenderDomain | None:
    """Store the shop's sender domain. A new domain gets a new key and selector and starts
    unverified; the same domain keeps its key and verification (only the local part moves);
    None removes the domain and its key."""
    row = sender_domain_of(session, shop.id)
    if domain is None:
        if row is not None:
            session.delete(row)
        return None
    if row is not None and row.domain == domain:
        row.local_part = local_part
        return row
    pair = new_key_pair()
    if row is None:
        row = SenderDomain(shop_id=shop.id)
        session.add(row)
    row.domain, row.local_part, row.selector = domain, local_part, pair.selector
    row.private_key, row.public_key = pair.private_pem, pair.public_key
    row.verified_at = row.checked_at = row.last_check = None
    return row


def _looked_up(name: str, nameserver: str | None) -> set[str] | None:
    try:
        return txt_values(name, nameserver)
    except LookupFailed as exc:
        log.info("sender domain: TXT lookup of %s failed: %s", name, exc)
        return None


def check(row: SenderDomain, spf_include: str, nameserver: str | None) -> SenderCheck:
    """Look the three records up now (fresh, no cache)."""
    dkim = _looked_up(dkim_name(row.selector, row.domain), nameserver)
    spf = _looked_up(row.domain, nameserver)
    dmarc = _looked_up(dmarc_name(row.domain), nameserver)
    return SenderCheck(
        dkim=Verdict(UNANSWERED) if dkim is None else dkim_verdict(dkim, row.public_key),
        spf=Verdict(UNANSWERED) if spf is None else spf_verdict(spf, spf_include),
        dmarc=Verdict(UNANSWERED) if dmarc is None else dmarc_verdict(dmarc),
    )


def apply_check(row: SenderDomain, result: SenderCheck, now: datetime) -> bool:
    """Store the verdicts; set or clear `verified_at`. Returns whether the domain is verified.
    A change of the row moves the shop's facts version (SHOP_PARTS in
    app/domain/orders/facts_versions.py): the mail sender's cache of it reads that version."""
    ok = verified(result.dkim, result.spf, row.verified_at is not None)
    if ok and row.verified_at is None:
        row.verified_at = now
    elif not ok and row.verified_at is not None:
        log.warning("sender domain %s of shop %s no longer checks out: DKIM %s, SPF %s", row.domain,
                    row.shop_id, result.dkim.verdict, result.spf.verdict)
        row.verified_at = None
    if row.last_check != result.as_dict():
        row.last_check = result.as_dict()
    row.checked_at = now
    return ok
