"""Signed links that confirm an address for a shop's test mails: one shop, one address row,
one mailing, a day to open it.

The token binds the shop, the row, the address's hash and when the row's link was mailed
(`TestRecipient.created_at`, renewed by each new mailing), so an older link, one for
another shop, or one for a row removed and added again confirms nothing. Its purpose is its
own: a token of any other link (unsubscribe, newsletter) does not verify here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app

from app.domain.privacy.suppressions import email_hash
from app.links import signer

PURPOSE = "test-address-confirm"
MAX_AGE_SECONDS = signer.PURPOSES[PURPOSE].max_age or 0
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class ConfirmTarget:
    shop_id: int
    recipient_id: int
    email_hash: str
    mailed_at: int


class LinkExpired(Exception):
    """The link was ours but is older than MAX_AGE_SECONDS."""


def mailed_at_mark(mailed_at: datetime) -> int:
    """The mailing's time in whole microseconds (what both databases keep)."""
    return (mailed_at - EPOCH) // timedelta(microseconds=1)


def confirm_token(shop_id: int, recipient_id: int, address: str, mailed_at: datetime) -> str:
    return signer.sign(PURPOSE, {"s": shop_id, "r": recipient_id, "h": email_hash(address),
                                "t": mailed_at_mark(mailed_at)})


def read_confirm_token(token: str) -> ConfirmTarget | None:
    """The target, None for a forged, mangled or foreign token; LinkExpired for an old one."""
    try:
        data = signer.verify(PURPOSE, token)
    except signer.BadToken as refused:
        if refused.reason == "expired":
            raise LinkExpired() from None
        return None
    if not isinstance(data, dict) or not all(type(data.get(k)) is int for k in ("s", "r", "t")) \
            or not isinstance(data.get("h"), str):
        return None
    return ConfirmTarget(data["s"], data["r"], data["h"], data["t"])


def confirm_url(token: str) -> str:
    return f"{current_app.config['APP_URL']}/test-address/{token}"
