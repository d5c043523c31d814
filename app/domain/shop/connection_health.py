"""The shop's connection in plain words for the merchant: what the last check found, and
what to do about it.

Both platforms: the periodic reconciliation's verdict (`shops.sync_health`,
app/jobs/reconcile.py: `<kind>: <fixed phrase>`, never the store's own answer). Shopify also:
whether the shop refused to renew our access (`shops.needs_reauth_at`), which comes first; its
failures are Shopify's, so their advice differs from a WooCommerce store's. The words are in
the admin's language `lang`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timezone

from app.i18n import FALLBACK, format_timestamp, translate

OK, WARN, BAD = "ok", "warn", "bad"
HTTP_STATUS = re.compile(r"HTTP (\d{3})")


@dataclass(frozen=True)
class Health:
    tone: str  # ok | warn | bad
    family: str  # ok, healed, connected, store_unreachable, keys_refused, none, reauth, unknown
    headline: str
    advice: str = ""
    detail: str = ""  # the stored verdict, for support


def _unreachable(reason: str, lang: str) -> tuple[str, str]:
    """(what happened, what to do) for a store the sync could not read."""
    try_again = " " + translate(lang, "admin.health.try_again")
    if reason.startswith("the store's address is not public"):
        return (translate(lang, "admin.health.private_address"),
                translate(lang, "admin.health.private_address_todo"))
    if reason.startswith("no answer"):
        return (translate(lang, "admin.health.no_answer"),
                translate(lang, "admin.health.check_online") + try_again)
    match = HTTP_STATUS.search(reason)
    status = int(match[1]) if match else None
    if reason.startswith("unexpected answer"):
        return (translate(lang, "admin.health.unexpected", status=status),
                translate(lang, "admin.health.unexpected_todo") + try_again)
    if status == 404:
        return (translate(lang, "admin.health.not_found"),
                translate(lang, "admin.health.not_found_todo") + try_again)
    if status in (401, 403, 429):
        return (translate(lang, "admin.health.refused", status=status),
                translate(lang, "admin.health.refused_todo") + try_again)
    if status is not None and status >= 500:
        return (translate(lang, "admin.health.server_error", status=status),
                translate(lang, "admin.health.server_error_todo") + try_again)
    return (translate(lang, "admin.health.unreadable", reason=reason),
            translate(lang, "admin.health.check_online") + try_again)


def woocommerce_health(verdict: str | None, lang: str = FALLBACK) -> Health:
    """The last sync's verdict in plain words."""
    if not verdict:
        return Health(OK, "none", translate(lang, "admin.health.none"))
    family, _, rest = verdict.partition(": ")
    if family == "ok":
        return Health(OK, family, translate(lang, "admin.health.ok"), detail=verdict)
    if family == "healed":
        return Health(OK, family, translate(lang, "admin.health.healed"),
                      translate(lang, "admin.health.healed_todo"),
                      detail=verdict)
    if family == "connected":
        return Health(OK, family, translate(lang, "admin.health.connected"), detail=verdict)
    if family == "store_unreachable":
        what, todo = _unreachable(rest, lang)
        return Health(WARN, family, what, todo, detail=verdict)
    if family == "keys_refused":
        return Health(BAD, family, translate(lang, "admin.health.keys_refused"),
                      translate(lang, "admin.health.connect"),
                      detail=verdict)
    return Health(WARN, "unknown", translate(lang, "admin.health.unknown", verdict=verdict), detail=verdict)


def shopify_health(needs_reauth_at, lang: str = FALLBACK, verdict: str | None = None) -> Health:
    """A refused renewal first; else the last reconciliation's verdict, where Shopify (not the
    merchant's server) is the one that did not answer."""
    if needs_reauth_at is not None:
        moment = format_timestamp(lang, needs_reauth_at, timezone.utc)
        return Health(BAD, "reauth", translate(lang, "admin.health.shopify_reauth", moment=moment),
                      translate(lang, "admin.health.shopify_reauth_todo"))
    family, _, rest = (verdict or "").partition(": ")
    if family == "store_unreachable":
        return Health(WARN, family, translate(lang, "admin.health.shopify_unreachable", reason=rest),
                      translate(lang, "admin.health.shopify_unreachable_todo"), detail=verdict or "")
    return Health(OK, "ok", translate(lang, "admin.health.shopify_ok"), detail=verdict or "")


def connection_health(shop, lang: str = FALLBACK) -> Health:
    """The overview's panel for `shop`, whichever platform it is on."""
    if shop.platform == "shopify":
        return shopify_health(shop.needs_reauth_at, lang, shop.sync_health)
    return woocommerce_health(shop.sync_health, lang)
