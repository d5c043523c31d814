"""Authorization-code grant (fallback): install link → Shopify consent → callback."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, redirect, request

from app.clients.platforms import shopify_credentials
from app.domain.shop.installs import install_shopify_shop
from app.extensions import db
from app.links import signer
from connectors.shopify.client import ReauthorizeRequired
from connectors.shopify.oauth import authorize_url, exchange_code, valid_shop_domain, verify_query
from connectors.signature import same_secret

bp = Blueprint("shopify_auth", __name__, url_prefix="/shopify/auth")
STATE_COOKIE = "shopify_oauth_state"
STATE_PURPOSE = "shopify-oauth-state"
STATE_MAX_AGE = signer.PURPOSES[STATE_PURPOSE].max_age


def _secrets() -> tuple[str, ...]:
    config = current_app.config
    return tuple(s for s in (config["SHOPIFY_API_SECRET"], config.get("SHOPIFY_API_SECRET_OLD")) if s)


def _checked_shop() -> str:
    params = request.args.to_dict()
    domain = valid_shop_domain(params.get("shop"))
    if domain is None:
        abort(400, description="The shop must be a *.myshopify.com domain.")
    if not verify_query(params, _secrets()):
        abort(400, description="This link is not signed by Shopify or is older than 90 seconds.")
    return domain


@bp.get("")
def begin():
    """Check Shopify's signed install link and send the merchant to the consent screen."""
    domain = _checked_shop()
    state = secrets.token_urlsafe(24)
    callback = f"{current_app.config['APP_URL']}/shopify/auth/callback"
    response = redirect(authorize_url(domain, current_app.config["SHOPIFY_API_KEY"], callback, state))
    response.set_cookie(STATE_COOKIE, signer.sign(STATE_PURPOSE, {"state": state, "shop": domain}),
                        max_age=STATE_MAX_AGE, secure=True, httponly=True, samesite="Lax")
    return response


@bp.get("/callback")
def callback():
    """Verify the callback (HMAC, freshness, state), trade the code, open the app."""
    domain = _checked_shop()
    try:
        saved = signer.verify(STATE_PURPOSE, request.cookies.get(STATE_COOKIE, ""))
    except signer.BadToken:
        abort(400, description="The sign-in took too long or started elsewhere; please start again.")
    if not isinstance(saved, dict) or saved.get("shop") != domain \
            or not same_secret(saved.get("state", ""), request.args.get("state", "")):
        abort(400, description="The sign-in state does not match; please start again.")
    try:
        tokens = exchange_code(shopify_credentials(), domain, request.args.get("code", ""))
    except ReauthorizeRequired as exc:
        current_app.logger.warning("code exchange failed for %s: %s", domain, exc)
        abort(502, description="Shopify did not accept the sign-in; please start again.")
    install_shopify_shop(db.session(), domain, tokens, datetime.now(timezone.utc))
    db.session.commit()
    response = redirect(f"https://{domain}/admin/apps/{current_app.config['SHOPIFY_API_KEY']}")
    response.delete_cookie(STATE_COOKIE)
    return response
