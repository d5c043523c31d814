"""One signer for every signed link and token the app makes or the WordPress plugin makes.

Wire format "v1", the same bytes in Python and in the plugin (includes/links.php):

    token = "v1." + B64(body) + "." + B64(HMAC-SHA256(K, "v1." + B64(body)))
    body  = JSON {"p": purpose, "t": issued at (unix seconds), "d": data}
    K     = HMAC-SHA256(base secret, "aftersales-link:" + purpose)

B64 is base64url without padding. The base secret is SECRET_KEY for links the app makes
(SECRET_KEY_OLD too while it is rotated) and the shop's signing secret for what the plugin
makes. Each purpose has its own key, so a token of one purpose never verifies for another;
the purpose also travels in the body and must match. How long a token lives is decided
here, by its purpose (`PURPOSES`), never by the token.

Links made before this format (itsdangerous serializers, two hand-made plugin formats) are
still read for the purposes named in `app/links/legacy.py`, until the date given there.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app

from connectors.signature import same_secret

FORMAT = "v1"
DAY = 24 * 3600
# Clocks of the WordPress host and ours may disagree a little.
CLOCK_SKEW_SECONDS = 30
_PART = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Purpose:
    max_age: int | None  # seconds a token lives; None: as long as the mail it sits in
    signed_by: str  # "app" (SECRET_KEY) or "shop" (the shop's signing secret, in the plugin)


PURPOSES: dict[str, Purpose] = {
    # A tracking link in a mail must outlive the order's whole journey, returns included.
    "tracking-page": Purpose(180 * DAY, "app"),
    # An unsubscribe link must keep working for as long as the mail sits in an inbox.
    "unsubscribe": Purpose(None, "app"),
    "review-click": Purpose(None, "app"),
    # A module's link in a block, page or mail; made with issued-at 0 (app/links/module_clicks.py).
    "module-click": Purpose(None, "app"),
    # A week to confirm; after that the buyer subscribes again from their order page.
    "newsletter-confirm": Purpose(7 * DAY, "app"),
    "test-address-confirm": Purpose(DAY, "app"),
    "shopify-oauth-state": Purpose(600, "app"),
    # As long as the pending connection is kept (app/domain/shop/woocommerce_connections.py).
    "woocommerce-connect-state": Purpose(3600, "app"),
    # The plugin makes a fresh embed token on every page view.
    "embed": Purpose(3600, "shop"),
    # One click on "Open Aftersales" in WordPress; used once.
    "admin-login": Purpose(300, "shop"),
}


class BadToken(Exception):
    """Refused. `reason`: "malformed", "forged", "future" (issued ahead of our clock) or
    "expired"; an expired token was genuine, and `data` then holds what it said."""

    def __init__(self, reason: str, data=None):
        super().__init__(f"token {reason}")
        self.reason = reason
        self.data = data


def b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    if not _PART.fullmatch(text):
        raise BadToken("malformed")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise BadToken("malformed") from None


def app_secrets() -> tuple[str, ...]:
    """SECRET_KEY, then SECRET_KEY_OLD while it is being rotated out."""
    config = current_app.config
    return tuple(s for s in (config["SECRET_KEY"], config.get("SECRET_KEY_OLD")) if s)


def purpose_key(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), f"aftersales-link:{purpose}".encode(), hashlib.sha256).digest()


def _mac(secret: str, purpose: str, signed: str) -> str:
    key = purpose_key(secret, purpose)
    return b64encode(hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest())


def _purpose(name: str) -> Purpose:
    if name not in PURPOSES:
        raise KeyError(f"no such link purpose: {name}")
    return PURPOSES[name]


def _secrets(purpose: Purpose, secret: str | None) -> tuple[str, ...]:
    if purpose.signed_by == "shop":
        if not secret:
            raise ValueError("a shop-signed purpose needs the shop's secret")
        return (secret,)
    return app_secrets()


def sign(purpose: str, data, *, secret: str | None = None, now: float | None = None) -> str:
    """A token for `purpose` carrying `data` (JSON). `secret` only for shop-signed purposes
    (tests and demos making what the plugin makes)."""
    kind = _purpose(purpose)
    issued = int(time.time() if now is None else now)
    body = json.dumps({"p": purpose, "t": issued, "d": data}, separators=(",", ":"))
    signed = f"{FORMAT}.{b64encode(body.encode())}"
    return f"{signed}.{_mac(_secrets(kind, secret)[0], purpose, signed)}"


def is_current_format(token: str) -> bool:
    return token.startswith(FORMAT + ".")


def _body(token: str) -> tuple[str, dict, str]:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != FORMAT:
        raise BadToken("malformed")
    try:
        body = json.loads(b64decode(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise BadToken("malformed") from None
    if not isinstance(body, dict) or not isinstance(body.get("p"), str) \
            or type(body.get("t")) is not int or "d" not in body:
        raise BadToken("malformed")
    return f"{parts[0]}.{parts[1]}", body, parts[2]


def peek(purpose: str, token: str):
    """What a token says, NOT verified: only to find whose secret verifies it (the shop key of
    a plugin-made token). Legacy formats included."""
    _purpose(purpose)
    if not is_current_format(token):
        from app.links import legacy
        return legacy.peek(purpose, token)
    _, body, _ = _body(token)
    if body["p"] != purpose:
        raise BadToken("forged")
    return body["d"]


def verify(purpose: str, token: str, *, secret: str | None = None, now: float | None = None,
           max_age: int | None = None):
    """The data of a genuine, live token of `purpose`; raise BadToken otherwise. `max_age`
    only narrows the purpose's own (never widens it)."""
    kind = _purpose(purpose)
    now = time.time() if now is None else now
    limit = kind.max_age if max_age is None else min(max_age, kind.max_age or max_age)
    secrets = _secrets(kind, secret)
    if not is_current_format(token):
        from app.links import legacy
        return legacy.verify(purpose, token, secrets, now, limit)
    signed, body, mac = _body(token)
    if not _any_matches(mac, (_mac(s, purpose, signed) for s in secrets)) or body["p"] != purpose:
        raise BadToken("forged")
    return check_age(body["t"], body["d"], now, limit)


def verified_fields(purpose: str, token: str, **types: type) -> dict | None:
    """The token's data when it verifies and is an object whose named fields have these types
    (`s=int, o=int`); None when it is forged, mangled, expired or of another shape."""
    try:
        data = verify(purpose, token)
    except BadToken:
        return None
    if not isinstance(data, dict):
        return None
    if not all(isinstance(data.get(name), kind) for name, kind in types.items()):
        return None
    return data


def _any_matches(received: str, expected: Iterable[str]) -> bool:
    return any([same_secret(received, e) for e in expected])


def check_age(issued: int, data, now: float, max_age: int | None):
    if issued > now + CLOCK_SKEW_SECONDS:
        raise BadToken("future")
    if max_age is not None and now - issued > max_age:
        raise BadToken("expired", data)
    return data
