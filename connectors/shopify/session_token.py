"""Checkout and customer-account UI extension session tokens, verified by `shopifyapp`.

Shopify signs two kinds of token with the same client secret and audience: the App Bridge
id token of the admin (`iss` = `https://<shop>/admin`, `dest` = `https://<shop>`, `sid`) and
the extension session token a checkout or customer-account page sends (`dest`, optional
`sub`; no `iss`, no `sid`). `shopifyapp` checks signature, audience and lifetime only, so
each side here also checks the kind: the admin takes only admin tokens
(`admin_token_problem`), the block API only extension tokens (`extension_token_problem`).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import shopify_app

from connectors.base import IncomingRequest, Secrets, Verification

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "7200",
}


@dataclass(frozen=True)
class ExtensionSession(Verification):
    """A verified extension request, or the response to give when it is not one: a
    Verification, plus the buyer, the answer's headers and the token's expiry."""

    customer_id: str | None = None  # only for a logged-in buyer (`sub` claim)
    headers: dict = field(default_factory=dict)
    expires_at: float | None = None  # the token's `exp`


class _VerifiedTokens:
    """Tokens shopifyapp accepted, kept until their `exp`: an extension sends the same token
    with every call for a minute, and the same bytes verify the same way until then."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: OrderedDict[tuple, tuple[float, ExtensionSession]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def get(self, key: tuple, now: float) -> ExtensionSession | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                return None
            return entry[1]

    def put(self, key: tuple, expires_at: float, session: ExtensionSession) -> None:
        with self._lock:
            self._entries[key] = (expires_at, session)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


_verified = _VerifiedTokens()


def known_extension_session(authorization: str, client_id: str, secrets: Secrets,
                            clock=time.time) -> ExtensionSession | None:
    """The session this Authorization header's token was verified as, while it is valid
    (None when it was not, or no longer is). A view asks this before it builds the
    IncomingRequest `verify_extension_request` needs: werkzeug works the request's URL out
    anew for each read (≈100 Python calls, ≈7 % of a 304's instructions)."""
    if not authorization:
        return None
    return _verified.get((authorization, client_id, secrets.current, secrets.previous), clock())


def verify_extension_request(request: IncomingRequest, client_id: str, secrets: Secrets,
                             clock=time.time) -> ExtensionSession:
    """HS256 with the client secret (old one too), aud = client id, shop from `dest`."""
    token = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
    if request.method != "OPTIONS" and (known := known_extension_session(token, client_id, secrets,
                                                                         clock)) is not None:
        return known
    session = _verify(request, client_id, secrets)
    expires_at = session.expires_at
    if session.ok and token and isinstance(expires_at, (int, float)):
        _verified.put((token, client_id, secrets.current, secrets.previous), float(expires_at), session)
    return session


def _verify(request: IncomingRequest, client_id: str, secrets: Secrets) -> ExtensionSession:
    result = shopify_app.verify_checkout_ui_ext_req(
        {"method": request.method, "headers": dict(request.headers), "url": request.url,
         "body": request.body.decode("utf-8", errors="replace")},
        {"client_id": client_id, "client_secret": secrets.current,
         "old_client_secret": secrets.previous[0] if secrets.previous else None},
    )
    headers = {**CORS_HEADERS, **result.response.headers}
    if not result.ok:
        return ExtensionSession(False, result.response.status, result.log.code, headers=headers)
    if result.id_token is None:  # a browser's CORS preflight (Origin set): 204, no token to read
        return ExtensionSession(False, result.response.status, result.log.code, headers=headers)
    claims = result.id_token.claims
    problem = extension_token_problem(claims)
    if problem:
        return ExtensionSession(False, 401, problem, headers=headers)
    sub = claims.get("sub")
    customer = (sub.rsplit("/", 1)[-1]
                if isinstance(sub, str) and sub.startswith("gid://shopify/Customer/") else None)
    return ExtensionSession(True, 200, "verified", shop_domain=f"{result.shop}.myshopify.com",
                            customer_id=customer, headers=headers, expires_at=claims.get("exp"))


def order_id_from_gid(value: str | None) -> str | None:
    """`gid://shopify/OrderIdentity/N`, `gid://shopify/Order/N` or `N` → `N`; else None."""
    if not value:
        return None
    tail = value.rsplit("/", 1)[-1] if value.startswith("gid://shopify/Order") else value
    return tail if tail.isdigit() else None


def extension_token_problem(claims: dict) -> str | None:
    """Why these verified claims are not a checkout/customer-account token, or None."""
    if "sid" in claims or "iss" in claims:
        return "an admin id token is not accepted here: send the extension's session token"
    dest = claims.get("dest")
    if not isinstance(dest, str) or not dest:
        return "the token names no shop"
    return None


def admin_token_problem(claims: dict) -> str | None:
    """Why these verified claims are not an App Bridge admin id token, or None.

    The admin token says who signed it in (`iss` = the shop's admin, `dest` = the shop, both
    on one myshopify host) and carries the admin session (`sid`); an extension token has none
    of these, and a buyer holds one on every thank-you page.
    """
    dest, iss, sid = claims.get("dest"), claims.get("iss"), claims.get("sid")
    if not isinstance(dest, str) or not dest.startswith("https://") or not dest.endswith(".myshopify.com"):
        return "the token's dest is not a shop"
    if iss != dest + "/admin":
        return "the token was not issued by the shop's admin"
    if not isinstance(sid, str) or not sid:
        return "the token carries no admin session"
    return None
