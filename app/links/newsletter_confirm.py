"""Signed newsletter confirmation links: one shop, one customer, the address they were sent to.

A week to confirm; after that the buyer subscribes again from their order page.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from app.domain.privacy.suppressions import email_hash
from app.links import signer

PURPOSE = "newsletter-confirm"


@dataclass(frozen=True)
class ConfirmTarget:
    shop_id: int
    customer_id: int
    email_hash: str


class LinkExpired(Exception):
    """The link was ours but is older than its purpose allows; `target` says whose it was."""

    def __init__(self, target: ConfirmTarget | None):
        super().__init__("confirmation link expired")
        self.target = target


def confirm_token(shop_id: int, customer_id: int | None, email: str) -> str:
    return signer.sign(PURPOSE, {"s": shop_id, "c": customer_id, "h": email_hash(email)})


def read_confirm_token(token: str) -> ConfirmTarget | None:
    """The target, None for a forged or mangled token; LinkExpired for an old one."""
    try:
        data = signer.verify(PURPOSE, token)
    except signer.BadToken as refused:
        if refused.reason == "expired":
            raise LinkExpired(_target(refused.data)) from None
        return None
    return _target(data)


def _target(data) -> ConfirmTarget | None:
    if not isinstance(data, dict) or not all(type(data.get(k)) is int for k in ("s", "c")) \
            or not isinstance(data.get("h"), str):
        return None
    return ConfirmTarget(data["s"], data["c"], data["h"])


def confirm_url(message) -> str:
    token = confirm_token(message.shop_id, message.customer_id, message.customer.email)
    return f"{current_app.config['APP_URL']}/n/{token}"
