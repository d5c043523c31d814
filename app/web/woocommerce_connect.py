"""Connecting a WooCommerce store through its key handshake (`/wc-auth/v1/authorize`).

1. `GET /woocommerce/connect?store_url=…[&claim=…]` (the plugin's "Connect" button sends the
   `claim`) starts a pending connection (app/domain/shop/woocommerce_connections.py), binds it
   to this browser with a cookie and sends the merchant to the store's grant screen; the
   signed state travels in `user_id`, which WooCommerce echoes back.
2. WooCommerce POSTs the new keys as JSON to `/woocommerce/callback`; anything but exactly
   200 makes it delete them. We take them once per connection and answer 200; a job then
   proves them on the store before any shop is created or rekeyed, and hands the plugin
   its secret server to server.
3. The browser comes back to `/woocommerce/connected?success=1&user_id=<state>`, which
   shows the connection's progress, only to the browser that started it. No key or
   secret is ever shown.
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, redirect, render_template_string, request

from app.clients.platforms import woocommerce_loopback_allowed
from app.domain.shop import woocommerce_connections as connections
from app.extensions import queues
from app.jobs.woocommerce_connect import complete_woocommerce_connection, connection_job_id
from app.links import signer
from app.rate_limits import allow, client_address
from connectors.woocommerce.store_url import InvalidStoreUrl, normalise_store_url

bp = Blueprint("woocommerce_connect", __name__, url_prefix="/woocommerce")
COOKIE = "aftersales_wc_connect"
STATE_PURPOSE = "woocommerce-connect-state"
CLAIM = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
CONNECTS_PER_HOUR = 30

CONNECTED_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>WooCommerce</title>
{% if refresh %}<meta http-equiv="refresh" content="2">{% endif %}
<main>
{% if status == "connected" %}<h1>Store connected</h1>
<p>{{ store }} is connected. Orders will appear within minutes.</p>
{% if plugin %}<p>The Aftersales plugin in your WordPress is set up; there is nothing to copy.</p>
{% else %}<p>Now install the Aftersales plugin in WordPress and click <strong>Connect</strong> under
Settings → Aftersales: the plugin then receives its settings from us directly.</p>{% endif %}
{% elif status == "failed" %}<h1>Not connected</h1><p>{{ message }}</p>
{% elif status == "declined" %}<h1>Not connected</h1><p>The store did not grant access. Start again from
Settings → Aftersales in your WordPress admin.</p>
{% else %}<h1>Connecting…</h1>
<p>Checking the keys {{ store }} gave us. This page updates itself.</p>{% endif %}
<p><a href="{{ store }}/wp-admin/options-general.php?page=aftersales">Back to WordPress</a></p>
</main></html>"""


def callback_url() -> str:
    """WooCommerce refuses a callback that is not https."""
    configured = current_app.config.get("WOOCOMMERCE_CALLBACK_URL")
    if configured:
        return configured
    app_url = current_app.config["APP_URL"]
    return "https://" + app_url.split("://", 1)[-1] + "/woocommerce/callback"


def _pending_from(token: str) -> connections.PendingConnection:
    try:
        nonce = signer.verify(STATE_PURPOSE, token or "", max_age=connections.MAX_AGE_SECONDS)
    except signer.BadToken:
        abort(403, description="The connection request is unknown or expired; please start again.")
    pending = connections.load(nonce) if isinstance(nonce, str) else None
    if pending is None:
        abort(403, description="The connection request is unknown or expired; please start again.")
    return pending


@bp.get("/connect")
def connect():
    """Validate the store address and send the merchant to WooCommerce's grant screen."""
    if not allow("wc-connect", client_address(request), CONNECTS_PER_HOUR, 3600):
        abort(429, description="Too many connection attempts from this address; try again in an hour.")
    try:
        store = normalise_store_url(request.args.get("store_url"), woocommerce_loopback_allowed())
    except InvalidStoreUrl as exc:
        abort(400, description=str(exc))
    claim = request.args.get("claim") or None
    if claim is not None and not CLAIM.match(claim):
        abort(400,
              description="The plugin's connection claim is malformed; click Connect in WordPress again.")
    pending = connections.start(store, claim)
    state = signer.sign(STATE_PURPOSE, pending.nonce)
    query = urlencode({
        "app_name": current_app.config.get("WOOCOMMERCE_APP_NAME", "Aftersales"),
        "scope": "read_write",
        "user_id": state,
        "return_url": f"{current_app.config['APP_URL']}/woocommerce/connected",
        "callback_url": callback_url(),
    })
    response = redirect(f"{store}/wc-auth/v1/authorize?{query}")
    # Lax: the store's redirect back to /connected is a top-level GET, which carries it.
    response.set_cookie(COOKIE, pending.nonce, max_age=connections.MAX_AGE_SECONDS, httponly=True,
                        samesite="Lax",
                        secure=request.is_secure or current_app.config["APP_URL"].startswith("https"),
                        path="/woocommerce/")
    return response


@bp.post("/callback")
def callback():
    """Take the keys WooCommerce created (once per connection); they are proven by a job."""
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        abort(400, description="expected a JSON object")
    pending = _pending_from(str(body.get("user_id") or ""))
    key, secret = body.get("consumer_key"), body.get("consumer_secret")
    if not (isinstance(key, str) and key.startswith("ck_") and isinstance(secret, str)
            and secret.startswith("cs_")):
        abort(400, description="consumer_key/consumer_secret missing or malformed")
    if body.get("key_permissions") != "read_write":
        abort(400, description="read_write access is needed")
    if pending.status != connections.WAITING or not connections.receive_keys(pending, key, secret):
        abort(403, description="This connection request was used already.")
    queues.enqueue("periodic", complete_woocommerce_connection, pending.nonce,
                   job_id=connection_job_id(pending.nonce))
    return {"status": 200, "message": "keys received"}, 200


@bp.get("/connected")
def connected():
    """Where WooCommerce sends the merchant back (`success=1|0&user_id=<state>`)."""
    pending = _pending_from(request.args.get("user_id", ""))
    if request.cookies.get(COOKIE) != pending.nonce:
        abort(403, description="This connection was started in another browser. Start again from "
                               "Settings → Aftersales in your WordPress admin.")
    status = pending.status if request.args.get("success") == "1" else "declined"
    page = render_template_string(CONNECTED_PAGE, status=status, store=pending.store, message=pending.message,
                                  plugin=pending.plugin_configured,
                                  refresh=status in (connections.WAITING, connections.VERIFYING))
    code = 400 if status in ("failed", "declined") else 200
    return page, code, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
