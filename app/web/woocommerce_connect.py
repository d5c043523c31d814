"""Connecting a WooCommerce store through its key handshake (`/wc-auth/v1/authorize`).

1. `GET /woocommerce/connect?store_url=…` sends the merchant to the store's grant screen;
   our signed, single-use state travels in `user_id` (WooCommerce echoes it back).
2. WooCommerce POSTs the new keys as JSON to `/woocommerce/callback`; anything but exactly
   200 makes it delete them. We check the state, store the keys encrypted on the Shop and
   set up the webhooks in the background.
3. The browser comes back to `/woocommerce/connected?success=1&user_id=<state>`.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, redirect, render_template_string, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from app.extensions import db, queues
from app.jobs.woocommerce_sync import setup_woocommerce_webhooks, webhook_setup_job_id
from app.models import Shop
from connectors.woocommerce.store_url import InvalidStoreUrl, normalise_store_url

bp = Blueprint("woocommerce_connect", __name__, url_prefix="/woocommerce")
# The merchant may have to log in to WordPress first; an hour is plenty.
STATE_MAX_AGE = 3600
USED_STATE_PREFIX = "aftersales:wc-state-used:"
SHOWN_CREDENTIALS_PREFIX = "aftersales:wc-credentials-shown:"

CONNECTED_PAGE = """<!doctype html><meta charset="utf-8"><title>WooCommerce</title>
{% if ok %}<h1>Store connected</h1><p>{{ store }} is connected. Orders will appear within minutes.</p>
{% if credentials %}<p>Paste these into your WordPress admin under Settings → Aftersales, then save:</p>
<dl><dt>Shop key</dt><dd><code id="shop-key">{{ credentials.shop_key }}</code></dd>
<dt>Signing secret</dt><dd><code id="signing-secret">{{ credentials.secret }}</code></dd></dl>
<p>This page shows the secret once. To see it again, connect the store again; the secret stays the same.</p>
{% else %}<p>The shop key and signing secret were shown when you connected.</p>{% endif %}
{% else %}<h1>Not connected</h1><p>The store did not grant access. You can start again from your
WordPress admin or <a href="{{ url_for('woocommerce_connect.connect', store_url=store) }}">here</a>.</p>
{% endif %}"""


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="woocommerce-connect-state")


def _allow_loopback_http() -> bool:
    return bool(current_app.testing or current_app.debug
                or current_app.config.get("WOOCOMMERCE_ALLOW_LOOPBACK_HTTP"))


def callback_url() -> str:
    """WooCommerce refuses a callback that is not https."""
    configured = current_app.config.get("WOOCOMMERCE_CALLBACK_URL")
    if configured:
        return configured
    app_url = current_app.config["APP_URL"]
    return "https://" + app_url.split("://", 1)[-1] + "/woocommerce/callback"


def _read_state(token: str) -> dict:
    try:
        state = _signer().loads(token or "", max_age=STATE_MAX_AGE)
    except BadSignature:
        abort(403, description="The connection request is unknown or expired; please start again.")
    if not isinstance(state, dict) or not state.get("store") or not state.get("nonce"):
        abort(403, description="The connection request is not ours.")
    return state


@bp.get("/connect")
def connect():
    """Validate the store address and send the merchant to WooCommerce's grant screen."""
    try:
        store = normalise_store_url(request.args.get("store_url"), _allow_loopback_http())
    except InvalidStoreUrl as exc:
        abort(400, description=str(exc))
    state = _signer().dumps({"store": store, "nonce": secrets.token_urlsafe(18)})
    query = urlencode({
        "app_name": current_app.config.get("WOOCOMMERCE_APP_NAME", "Aftersales"),
        "scope": "read_write",
        "user_id": state,
        "return_url": f"{current_app.config['APP_URL']}/woocommerce/connected",
        "callback_url": callback_url(),
    })
    return redirect(f"{store}/wc-auth/v1/authorize?{query}")


@bp.post("/callback")
def callback():
    """Receive the keys WooCommerce created; answer exactly 200 only when they are stored."""
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        abort(400, description="expected a JSON object")
    state = _read_state(str(body.get("user_id") or ""))
    key, secret = body.get("consumer_key"), body.get("consumer_secret")
    if not (isinstance(key, str) and key.startswith("ck_") and isinstance(secret, str) and secret.startswith("cs_")):
        abort(400, description="consumer_key/consumer_secret missing or malformed")
    if body.get("key_permissions") != "read_write":
        abort(400, description="read_write access is needed")
    if not queues.redis.set(USED_STATE_PREFIX + state["nonce"], "1", nx=True, ex=STATE_MAX_AGE):
        abort(403, description="This connection request was used already.")
    shop = _store_keys(state["store"], key, secret, str(body.get("key_permissions")))
    try:
        queues.enqueue("periodic", setup_woocommerce_webhooks, shop.id, job_id=webhook_setup_job_id(shop.id))
    except Exception:  # the periodic sync creates missing webhooks too
        current_app.logger.exception("webhook setup for shop %s not enqueued", shop.id)
    return {"status": 200, "message": "keys stored"}, 200


def _store_keys(store: str, key: str, secret: str, permissions: str) -> Shop:
    shop = db.session.scalars(select(Shop).where(Shop.platform == "woocommerce", Shop.domain == store)).first()
    now = datetime.now(timezone.utc)
    if shop is None:
        shop = Shop(platform="woocommerce", domain=store, name=store.split("://", 1)[-1], installed_at=now)
        db.session.add(shop)
    elif shop.uninstalled_at is not None:
        shop.installed_at, shop.reconciled_through = now, None
    shop.api_key, shop.api_secret, shop.scopes = key, secret, permissions
    # Alphanumeric on purpose: WooCommerce runs the secret through wp_specialchars_decode().
    shop.webhook_secret = shop.webhook_secret or secrets.token_hex(24)
    shop.uninstalled_at = shop.redact_after = shop.needs_reauth_at = None
    shop.sync_health = "connected: setting up webhooks"
    db.session.commit()
    return shop


@bp.get("/connected")
def connected():
    """Where WooCommerce sends the merchant back (`success=1|0&user_id=<state>`)."""
    state = _read_state(request.args.get("user_id", ""))
    shop = db.session.scalars(select(Shop).where(
        Shop.platform == "woocommerce", Shop.domain == state["store"])).first()
    ok = request.args.get("success") == "1" and shop is not None and shop.api_key is not None
    credentials = None
    if ok and queues.redis.set(SHOWN_CREDENTIALS_PREFIX + state["nonce"], "1", nx=True, ex=STATE_MAX_AGE):
        # The companion plugin needs both; shown once, to the browser that ran the handshake.
        credentials = {"shop_key": shop.shop_key, "secret": shop.webhook_secret}
    page = render_template_string(CONNECTED_PAGE, ok=ok, store=state["store"], credentials=credentials)
    return page, 200 if ok else 400, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
