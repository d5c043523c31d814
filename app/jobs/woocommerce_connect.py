"""Finish a WooCommerce connection: prove the keys on the store, store them, tell the plugin.

Runs right after `/woocommerce/callback` took the keys (app/web/woocommerce_connect.py).
The proof is one authenticated read of the store's own REST API (its webhook list, which
needs `manage_woocommerce`): keys a stranger made up, or made on another store, are refused
there, and nothing about any shop changes.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from flask import current_app

from app.clients.platforms import woocommerce_loopback_allowed
from app.domain.shop import woocommerce_connections as connections
from app.extensions import db, queues
from app.jobs.reconcile import setup_webhooks, webhook_setup_job_id
from app.jobs.runtime import job
from connectors.woocommerce.client import KeysRefused, WooClient, WooCommerceApiError

log = logging.getLogger(__name__)
PLUGIN_ROUTE = "/aftersales/v1/connection"


def connection_job_id(nonce: str) -> str:
    return f"wc-connect-{nonce}"


@job
def complete_woocommerce_connection(nonce: str) -> dict:
    pending = connections.load(nonce)
    if pending is None or pending.status != connections.VERIFYING or (keys := pending.rest_keys()) is None:
        return {"skipped": "no connection waiting for its keys to be proven"}
    verify = current_app.config.get("WOOCOMMERCE_TLS_VERIFY", True)
    try:
        with _client(pending.store, *keys, verify) as client:
            client.webhooks()
    except KeysRefused:
        return _failed(pending, "The store refused the keys it was sent. Start again from Settings → "
                                "Aftersales in your WordPress admin, logged in as an administrator.")
    except WooCommerceApiError as exc:
        log.warning("connection to %s not proven: %s", pending.store, exc)
        return _failed(pending, "We could not reach the store's REST API to check the keys "
                                "(is it online, with pretty permalinks on?). Start again in a few minutes.")
    shop = connections.store_proven_keys(db.session(), pending.store, *keys, datetime.now(timezone.utc))
    db.session.commit()
    try:
        queues.enqueue("periodic", setup_webhooks, shop.id, job_id=webhook_setup_job_id(shop.id))
    except Exception:  # the periodic sync creates missing webhooks too
        log.exception("webhook setup for shop %s not enqueued", shop.id)
    assert shop.webhook_secret is not None, "store_proven_keys gives the shop a webhook secret"
    if pending.claim:
        pending.plugin_configured = _hand_to_plugin(pending, shop.shop_key, shop.webhook_secret, verify)
    pending.status, pending.keys, pending.message = connections.CONNECTED, None, ""
    pending.save()
    return {"shop_id": shop.id, "plugin_configured": pending.plugin_configured}


def _client(store: str, key: str, secret: str, verify) -> WooClient:
    return WooClient(store, key, secret, verify=verify, max_attempts=2,
                     allow_loopback=woocommerce_loopback_allowed())


def _failed(pending: connections.PendingConnection, message: str) -> dict:
    pending.status, pending.keys, pending.message = connections.FAILED, None, message
    pending.save()
    return {"failed": message}


def _hand_to_plugin(pending: connections.PendingConnection, shop_key: str, secret: str, verify) -> bool:
    """POST the plugin's settings to the store it runs on; the claim proves the plugin asked."""
    body = {"claim": pending.claim, "shop_key": shop_key, "secret": secret,
            "app_url": current_app.config["APP_URL"],
            # The name in the REST key descriptions, so the plugin's uninstall finds our keys.
            "app_name": current_app.config.get("WOOCOMMERCE_APP_NAME", "Aftersales")}
    try:
        with _client(pending.store, "", "", verify) as client:
            client.post_to_plugin(PLUGIN_ROUTE, body)
    except WooCommerceApiError as exc:
        log.warning("the plugin on %s was not reached: %s", pending.store, exc)
        return False
    return True
