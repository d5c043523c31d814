"""Shopify App Home: managed install via token exchange, inside the admin iframe."""
from __future__ import annotations

from datetime import datetime, timezone

import shopify_app
from flask import Blueprint, current_app, request

from app.clients.platforms import shopify_credentials
from app.domain.shop.installs import find_shopify_shop, install_shopify_shop, needs_tokens
from app.extensions import db
from app.models import Shop
from connectors.shopify.tokens import exchange_id_token

bp = Blueprint("shopify_home", __name__, url_prefix="/shopify")
PATCH_ID_TOKEN_PATH = "/shopify/patch-id-token"


def _request_input() -> shopify_app.RequestInput:
    return {"method": request.method, "headers": dict(request.headers), "url": request.url,
            "body": request.get_data(as_text=True)}


def _config() -> shopify_app.AppConfig:
    config = current_app.config
    return {"client_id": config["SHOPIFY_API_KEY"], "client_secret": config["SHOPIFY_API_SECRET"],
            "old_client_secret": config.get("SHOPIFY_API_SECRET_OLD")}


def _passthrough(res):
    return res.body, res.status, res.headers


@bp.get("/patch-id-token")
def patch_id_token():
    """Serve Shopify's bounce page that fetches a fresh id token through App Bridge."""
    return _passthrough(shopify_app.app_home_patch_id_token(_request_input(), _config()).response)


@bp.get("/app")
def app_home():
    """Open the app in the Shopify admin; the first open installs it (token exchange).

    The same id-token check as every admin page (app/web/admin/auth.py); the app's home is
    the admin overview, whose links lead on to the other admin pages.
    """
    from app.web.admin.auth import authenticate_shopify
    from app.web.admin.overview import overview

    problem = authenticate_shopify()
    return problem if problem is not None else overview()


def ensure_installed(domain: str, id_token: str, claims: dict) -> Shop:
    """Exchange the id token when we hold no usable token for the shop (first open, reinstall)."""
    shop = find_shopify_shop(db.session(), domain)
    if shop is None or needs_tokens(shop):
        tokens = exchange_id_token(shopify_credentials(), id_token, claims)
        shop = install_shopify_shop(db.session(), domain, tokens, datetime.now(timezone.utc))
    db.session.commit()
    return shop
