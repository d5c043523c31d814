"""Signed one-click unsubscribe tokens: bound to one shop and one address hash, no expiry.

An unsubscribe link must keep working for as long as the mail sits in an inbox, so the
token never expires; it names the customer row only as a shortcut for skipping pending
mail, the address hash is what gets listed.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

from app.domain.privacy.suppressions import email_hash
from app.links import signer
from app.read_model.views import MessageView

PURPOSE = "unsubscribe"


@dataclass(frozen=True)
class UnsubscribeTarget:
    shop_id: int
    email_hash: str
    customer_id: int | None


def unsubscribe_token(shop_id: int, email: str, customer_id: int | None) -> str:
    return signer.sign(PURPOSE, {"s": shop_id, "h": email_hash(email), "c": customer_id})


def read_unsubscribe_token(token: str) -> UnsubscribeTarget | None:
    """The target, or None when the token is forged or mangled."""
    data = signer.verified_fields(PURPOSE, token, s=int, h=str)
    if data is None:
        return None
    customer_id = data.get("c") if isinstance(data.get("c"), int) else None
    return UnsubscribeTarget(data["s"], data["h"], customer_id)


def unsubscribe_url(message: MessageView) -> str:
    """The message's one-click link. An admin preview or test send (a sample message) gets
    one that lists nobody: it leads to a notice saying so, in the mail's language, since a
    real token would unsubscribe the sample address or the merchant's own."""
    customer = message.customer
    if customer is None or not customer.email:
        raise ValueError(f"message {message.id} has no recipient to unsubscribe")
    if message.sample:
        return f"{current_app.config['APP_URL']}/u/preview?lang={customer.locale}"
    token = unsubscribe_token(message.shop_id, customer.email, message.customer_id)
    return f"{current_app.config['APP_URL']}/u/{token}"


def list_id(message: MessageView) -> str:
    """RFC 2919 List-Id: one list per shop and stream."""
    host = urlsplit(current_app.config["APP_URL"]).hostname or "localhost"
    return f"<{message.stream}.shop-{message.shop_id}.{host}>"
