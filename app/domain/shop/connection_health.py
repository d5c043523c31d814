"""The shop's connection in plain words for the merchant: what the last check found, and
what to do about it.

WooCommerce: the periodic reconciliation's verdict (`shops.sync_health`, app/jobs/reconcile.py:
`<kind>: <fixed phrase>`, never the store's own answer). Shopify: whether the shop refused
to renew our access (`shops.needs_reauth_at`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

OK, WARN, BAD = "ok", "warn", "bad"
HTTP_STATUS = re.compile(r"HTTP (\d{3})")
CONNECT = ("In WordPress, open WooCommerce → Aftersales and press Connect: the store makes new keys for the app "
           "and the connection is back within a minute.")
TRY_AGAIN = "The app tries again at every check (every 15 minutes) and catches up on the orders it missed."


@dataclass(frozen=True)
class Health:
    tone: str  # ok | warn | bad
    family: str  # ok, healed, connected, store_unreachable, keys_refused, none, reauth, unknown
    headline: str
    advice: str = ""
    detail: str = ""  # the stored verdict, for support


def _unreachable(reason: str) -> tuple[str, str]:
    """(what happened, what to do) for a store the sync could not read."""
    if reason.startswith("the store's address is not public"):
        return ("The store's address leads to a private network (such as localhost or an internal IP address), "
                "which the app is not allowed to call.",
                "Connect the store from its public address (the one buyers use), or put it online first.")
    if reason.startswith("no answer"):
        return ("The store did not answer at all: it timed out or refused the connection.",
                "Check that the store is online and its address is right. " + TRY_AGAIN)
    match = HTTP_STATUS.search(reason)
    status = int(match[1]) if match else None
    if reason.startswith("unexpected answer"):
        return (f"The store answered with something other than WooCommerce's REST API (HTTP {status}): often a "
                "maintenance page, a redirect to another address, or a login wall.",
                "Check that the store is online under the address it was connected with, and that "
                "WordPress's Settings → Permalinks is not set to \"Plain\" (the REST API needs pretty "
                "permalinks). " + TRY_AGAIN)
    if status == 404:
        return ("The store answered \"not found\" (HTTP 404) for WooCommerce's REST API.",
                "In WordPress, check that Settings → Permalinks is not set to \"Plain\" (the REST API needs "
                "pretty permalinks) and that WooCommerce is active and no plugin switches the REST API off. "
                + TRY_AGAIN)
    if status in (401, 403, 429):
        return (f"The store refused the app's call (HTTP {status}): usually a firewall, security plugin or "
                "hosting rate limit blocking requests to /wp-json/.",
                "Allow requests to /wp-json/wc/v3/ in your security plugin or at your host. " + TRY_AGAIN)
    if status is not None and status >= 500:
        return (f"The store's server had an error (HTTP {status}): it was down, overloaded or in maintenance.",
                "Check that the store is online (open it in a browser); if it is, ask your host about errors "
                "for /wp-json/. " + TRY_AGAIN)
    return (f"The store could not be read ({reason}).", "Check that the store is online. " + TRY_AGAIN)


def woocommerce_health(verdict: str | None) -> Health:
    """The last sync's verdict in plain words."""
    if not verdict:
        return Health(OK, "none", "No check has run yet: the first one runs within 15 minutes of connecting.")
    family, _, rest = verdict.partition(": ")
    if family == "ok":
        return Health(OK, family, "Connected and in step: the last check read your orders and found the "
                                  "store's webhooks working.", detail=verdict)
    if family == "healed":
        return Health(OK, family, "Connected: the last check found webhooks that WooCommerce had disabled or "
                                  "lost, set them up again and fetched the orders they missed.",
                      "Nothing to do. If this shows after every check, a plugin or firewall may be rejecting the "
                      "app's webhook deliveries: check the store's WooCommerce → Settings → Advanced → Webhooks.",
                      detail=verdict)
    if family == "connected":
        return Health(OK, family, "Connected: the app is setting up the store's webhooks now.", detail=verdict)
    if family == "store_unreachable":
        what, todo = _unreachable(rest)
        return Health(WARN, family, what, todo, detail=verdict)
    if family == "keys_refused":
        return Health(BAD, family, "Your store refused the app's API keys: they were revoked or deleted, or the "
                                   "WordPress user who made them lost their rights. The app stopped working for "
                                   "this store and cancelled its planned mail.", CONNECT, detail=verdict)
    return Health(WARN, "unknown", f"The last check reported: {verdict}.", detail=verdict)


def shopify_health(needs_reauth_at) -> Health:
    if needs_reauth_at is None:
        return Health(OK, "ok", "Connected: Shopify accepts the app's access.")
    return Health(BAD, "reauth", f"Shopify refused to renew the app's access on {needs_reauth_at:%Y-%m-%d} "
                                 f"at {needs_reauth_at:%H:%M} UTC; until it is renewed the app cannot check "
                                 "orders against your shop.",
                  "Open the app again from your Shopify admin (Apps → Aftersales): that renews the access. If this "
                  "message stays, the app may have been removed: install it again.")
