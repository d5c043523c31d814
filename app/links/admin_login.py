"""One-use login links from the WooCommerce plugin into our admin, signed per shop.

Purpose "admin-login" of app/links/signer.py, data {"s": shop key, "u": WordPress user id,
"n": a random nonce, and optionally "l": the WordPress user's locale, e.g. "de_DE", which the
admin then speaks}, signed with the shop's signing secret by the plugin
(includes/signin.php). A link lives five minutes from when the plugin made it and opens the
admin once; the one-use mark is a Redis `SET NX` kept as long as the link could live. Links
of plugin 0.1.0 and older (their own format) are read until the date in app/links/legacy.py.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from app.i18n import N_
from app.links import signer

PURPOSE = "admin-login"
MAX_LIFETIME_SECONDS = signer.PURPOSES[PURPOSE].max_age or 0
# WordPress locales are like "de_DE_formal"; anything longer is not one.
MAX_LOCALE_LENGTH = 20
MALFORMED = N_("admin.refused.login_malformed")
# BadToken reason → (status, text key in the catalogues; the admin says it in the merchant's language)
REFUSALS = {
    "malformed": (401, MALFORMED),
    "forged": (403, N_("admin.refused.login_forged")),
    "expired": (401, N_("admin.refused.login_expired")),
    "future": (401, N_("admin.refused.login_future")),
    "retired": (401, N_("admin.refused.login_retired")),
}


@dataclass(frozen=True)
class LoginClaims:
    shop_key: str
    wp_user_id: int
    nonce: str
    locale: str = ""


class LoginLinkError(Exception):
    """The link cannot open the admin; `status` is 401 (bad, expired) or 403 (wrong shop,
    reused); `message` is a text key of the catalogues (app/translations)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def sign_login_token(shop_key: str, secret: str, wp_user_id: int, now: float, locale: str = "") -> str:
    """What the plugin does: a token for one user of one shop, made at `now`."""
    data: dict = {"s": shop_key, "u": wp_user_id, "n": secrets.token_urlsafe(12)}
    if locale:
        data["l"] = locale
    return signer.sign(PURPOSE, data, secret=secret, now=now)


def _data(data) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("s"), str) \
            or type(data.get("u")) is not int:
        raise LoginLinkError(401, MALFORMED)
    return data


def read_login_token(token: str, secret_for: Callable[[str], str | None],
                     now: float) -> LoginClaims:
    """Check the token's shape, shop, signature and age; raise LoginLinkError if any fails."""
    try:
        shop_key = _data(signer.peek(PURPOSE, token))["s"]
        secret = secret_for(shop_key)
        if not secret:
            raise LoginLinkError(403, N_("admin.refused.login_shop_gone"))
        data = _data(signer.verify(PURPOSE, token, secret=secret, now=now))
    except signer.BadToken as error:
        raise LoginLinkError(*REFUSALS[error.reason]) from None
    locale = data.get("l")
    locale = locale if isinstance(locale, str) and len(locale) <= MAX_LOCALE_LENGTH else ""
    return LoginClaims(data["s"], data["u"], str(data.get("n", "")), locale)


def token_fingerprint(token: str) -> str:
    """The key under which a used token is remembered (never the token itself)."""
    return "admin-login-used:" + hashlib.sha256(token.encode()).hexdigest()
