"""Tokens made before the one format of app/links/signer.py, read until a set date.

Mails already sent carry itsdangerous tokens (a salt per link), and a WordPress plugin not
yet updated makes its two hand-made formats (merchants update the plugin by hand: it has no
update server). Each is read here for its purpose only, with the same secrets and lifetime
as the current format, and returned in the current format's data shape.

`UNTIL` is the last day each is accepted: the longest a link made by the code before
2026-12-07 can still be clicked (the purpose's lifetime after a release by 2027-01-31), or,
for the plugin, the time merchants get to update it. From the day after, such a token is
refused as "retired", and this module and its entries can be deleted.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, datetime, timezone

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from app.links.signer import CLOCK_SKEW_SECONDS, BadToken, b64decode, b64encode, check_age
from connectors.signature import same_secret

# purpose → (itsdangerous salt, timed)
SERIALIZERS = {
    "tracking-page": ("tracking-page-v1", True),
    "unsubscribe": ("unsubscribe-v1", False),
    "review-click": ("review-click-v1", False),
    "module-click": ("module-click-v1", False),
    "newsletter-confirm": ("newsletter-confirm-v1", True),
    "test-address-confirm": ("test-recipient-confirm-v1", True),
}
PLUGIN_FORMATS = ("embed", "admin-login")
UNTIL = {
    "tracking-page": date(2027, 7, 31),  # 180 days
    "unsubscribe": date(2027, 12, 31),  # no expiry: a year in the inbox
    "review-click": date(2027, 12, 31),  # no expiry: reminders come weeks later
    "module-click": date(2027, 12, 31),  # no expiry: mails stay in inboxes
    "newsletter-confirm": date(2027, 2, 28),  # 7 days
    "test-address-confirm": date(2027, 2, 28),  # 1 day
    "embed": date(2027, 6, 30),  # plugin 0.1.0 and older
    "admin-login": date(2027, 6, 30),  # plugin 0.1.0 and older
}
# The old embed format carried its own expiry; one claiming to live longer was not the plugin's.
EMBED_MAX_LIFETIME_SECONDS = 24 * 3600
LOGIN_MAX_LIFETIME_SECONDS = 300


def accepted(purpose: str, now: float) -> bool:
    until = UNTIL.get(purpose)
    return until is not None and datetime.fromtimestamp(now, timezone.utc).date() <= until


def _retired_check(purpose: str, now: float) -> None:
    if purpose not in UNTIL:
        raise BadToken("malformed")
    if not accepted(purpose, now):
        raise BadToken("retired")


def peek(purpose: str, token: str):
    """What an old plugin-made token says, unverified (for the shop key); see signer.peek."""
    if purpose not in PLUGIN_FORMATS:
        raise BadToken("malformed")
    return _plugin_data(purpose, _plugin_claims(token)[0])


def verify(purpose: str, token: str, secrets: tuple[str, ...], now: float, max_age: int | None):
    _retired_check(purpose, now)
    if purpose in SERIALIZERS:
        return _serialized(purpose, token, secrets, now, max_age)
    claims, payload, signature = _plugin_claims(token)
    secret = secrets[0]
    if purpose == "embed":
        expected = b64encode(_hmac(secret, payload).digest())
    else:
        expected = _hmac(secret, payload).hexdigest()
    if not same_secret(signature, expected):
        raise BadToken("forged")
    expires = claims.get("e" if purpose == "embed" else "exp")
    if type(expires) is not int:
        raise BadToken("malformed")
    data = _plugin_data(purpose, claims)
    if purpose == "embed":
        longest, expired = EMBED_MAX_LIFETIME_SECONDS, expires <= now
    else:
        longest, expired = LOGIN_MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS, expires < now
    if expires > now + longest:
        raise BadToken("future")
    if expired:
        raise BadToken("expired", data)
    return data


def _hmac(secret: str, payload: str):
    return hmac.new(secret.encode(), payload.encode("ascii"), hashlib.sha256)


def _plugin_claims(token: str) -> tuple[dict, str, str]:
    payload, dot, signature = token.partition(".")
    if not dot or not payload or not signature or "." in signature:
        raise BadToken("malformed")
    try:
        claims = json.loads(b64decode(payload))
    except (ValueError, UnicodeDecodeError):
        raise BadToken("malformed") from None
    if not isinstance(claims, dict):
        raise BadToken("malformed")
    return claims, payload, signature


def _plugin_data(purpose: str, claims: dict) -> dict:
    """The old claims in the current data shape (app/links/embed.py, app/links/admin_login.py)."""
    if purpose == "embed":
        return {"s": claims.get("s"), "o": claims.get("o"), "k": claims.get("k")}
    return {"s": claims.get("shop"), "u": claims.get("user"), "n": str(claims.get("nonce", ""))}


def _serialized(purpose: str, token: str, secrets: tuple[str, ...], now: float,
                max_age: int | None):
    salt, timed = SERIALIZERS[purpose]
    for secret in secrets:
        try:
            if not timed:
                return URLSafeSerializer(secret, salt=salt).loads(token)
            serializer = URLSafeTimedSerializer(secret, salt=salt)
            data, stamped = serializer.loads(token, return_timestamp=True)
        except BadSignature:
            continue
        return check_age(int(stamped.timestamp()), data, now, max_age)
    raise BadToken("forged")
