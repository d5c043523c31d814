"""A WooCommerce connection in progress: from the merchant's click to keys proven on the store.

WooCommerce's key handshake proves nothing by itself: anyone can start it for any store
address and anyone can POST a callback carrying the signed state. So a connection is a
short-lived record in Redis, keyed by a random nonce, that moves

    waiting ──callback──▶ verifying ──keys work on the store──▶ connected
                                    └─refused or unreachable──▶ failed

Keys are trusted (and only then stored on a Shop, new or existing) once a call to the
store's own REST API with them succeeds: only an administrator of that store can have
made them. The plugin's signing secret never travels through a browser: when the
companion plugin started the connection it gave us a one-time `claim`, and the app hands
the secret to `<store>/?rest_route=/aftersales/v1/connection` with that claim, server to
server (app/jobs/woocommerce_connect.py).
"""
from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.extensions import queues
from app.keys import encryption as crypto
from app.models import Shop

# The merchant may have to log in to WordPress first; an hour is plenty.
MAX_AGE_SECONDS = 3600
PREFIX = "aftersales:wc-connect:"
KEYS_TAKEN_PREFIX = "aftersales:wc-connect-keys:"

WAITING, VERIFYING, CONNECTED, FAILED = "waiting", "verifying", "connected", "failed"


@dataclass
class PendingConnection:
    nonce: str
    store: str
    claim: str | None = None  # the plugin's one-time proof, when the plugin started this
    status: str = WAITING
    message: str = ""
    keys: str | None = None  # "ck\ncs", encrypted with the token keys, while verifying
    plugin_configured: bool = False

    def save(self) -> None:
        queues.redis.set(PREFIX + self.nonce, json.dumps(asdict(self)), ex=MAX_AGE_SECONDS)

    def rest_keys(self) -> tuple[str, str] | None:
        if not self.keys:
            return None
        key, _, secret = crypto.decrypt(self.keys).partition("\n")
        return key, secret


def start(store: str, claim: str | None) -> PendingConnection:
    pending = PendingConnection(nonce=secrets.token_urlsafe(18), store=store, claim=claim or None)
    pending.save()
    return pending


def load(nonce: str) -> PendingConnection | None:
    raw = queues.redis.get(PREFIX + nonce) if nonce else None
    if raw is None:
        return None
    return PendingConnection(**json.loads(raw))


def receive_keys(pending: PendingConnection, key: str, secret: str) -> bool:
    """Take the callback's keys once per connection; False when keys came for it already."""
    if not queues.redis.set(KEYS_TAKEN_PREFIX + pending.nonce, "1", nx=True, ex=MAX_AGE_SECONDS):
        return False
    pending.keys = crypto.encrypt(f"{key}\n{secret}")
    pending.status = VERIFYING
    pending.save()
    return True


def store_proven_keys(session: Session, store: str, key: str, secret: str, now: datetime) -> Shop:
    """Keys that worked on the store: connect it, or reconnect and rekey the shop we know.

    A reconnect is a reinstall by the store's own administrator, so a pending uninstall
    and its purge are called off, as a Shopify reinstall does.
    """
    shop = session.scalars(select(Shop).where(Shop.platform == "woocommerce", Shop.domain == store)).first()
    if shop is None:
        shop = Shop(platform="woocommerce", domain=store, name=store.split("://", 1)[-1], installed_at=now)
        session.add(shop)
    elif shop.uninstalled_at is not None:
        shop.installed_at, shop.reconciled_through = now, None
    shop.api_key, shop.api_secret, shop.scopes = key, secret, "read_write"
    # Alphanumeric on purpose: WooCommerce runs the secret through wp_specialchars_decode().
    shop.webhook_secret = shop.webhook_secret or secrets.token_hex(24)
    shop.uninstalled_at = shop.redact_after = shop.needs_reauth_at = None
    shop.sync_health = "connected: setting up webhooks"
    session.flush()
    return shop
