"""Proof that a shop holds its custom domain, and which shop a host goes to.

A host serves a shop (app/web/hosts.py) and the shop's links use it (app/links/tracking_page.py)
only once `custom_domain_verified_at` is set: the shop published a TXT record at
`_aftersales-challenge.<host>` holding its own token (app/domain/shop/custom_domains.py), an HMAC
of (shop id, host) under SECRET_KEY, so no other shop can know or reuse it. Changing the
host clears the proof.

Who holds a host: `shops.custom_domain` is unique, so a shop may store only a host no other
shop names. Storing one is a claim, not ownership: a shop that proves a host takes it from
whichever shop names it, proven or not. The TXT record under the host is its holder's word
today (whoever can publish it controls where the host points anyway), so a squatter's
claim blocks nobody, and a host whose domain changed hands moves with one check.
"""
from __future__ import annotations

import hmac
import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clients.dns_txt import LookupFailed, txt_values
from app.domain.shop.custom_domains import challenge_name, challenge_token
from app.models import Shop

log = logging.getLogger(__name__)

PROVEN, MISSING, UNREACHABLE = "proven", "missing", "unreachable"


def expected_token(shop_id: int, domain: str) -> str:
    return challenge_token(current_app.config["SECRET_KEY"], shop_id, domain)


def is_proven(shop: Shop) -> bool:
    return bool(shop.custom_domain and shop.custom_domain_verified_at)


def check(shop_id: int, domain: str) -> str:
    """Look the TXT record up now: PROVEN, MISSING (no value of this shop's) or UNREACHABLE."""
    try:
        values = txt_values(challenge_name(domain), current_app.config.get("DNS_RESOLVER"))
    except LookupFailed as exc:
        log.info("custom domain %s: TXT lookup failed: %s", domain, exc)
        return UNREACHABLE
    token = expected_token(shop_id, domain)
    return PROVEN if any(hmac.compare_digest(value.strip().encode(), token.encode())
                         for value in values) else MISSING


def take(session: Session, shop: Shop, domain: str, now: datetime) -> None:
    """Give a proven host to `shop`; any other shop naming it lets go. The caller commits."""
    for other in session.scalars(select(Shop).where(Shop.custom_domain == domain, Shop.id != shop.id)):
        log.warning("custom domain %s moves from shop %s to shop %s, which proved it", domain, other.id,
                    shop.id)
        other.custom_domain = None
        other.custom_domain_verified_at = None
    session.flush()  # the unique column: the other shop lets go before this one takes it
    shop.custom_domain = domain
    shop.custom_domain_verified_at = now
