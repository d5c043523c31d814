"""Who is asking: a Shopify App Bridge id token, or our session from a WooCommerce login link.

Every admin request passes `authenticate` first. Shopify requests carry the id token
(`Authorization: Bearer` on fetches and form posts, `?id_token=` on document loads);
WooCommerce merchants arrive once through a one-use signed link and then hold our cookie.

The admin's language (`g.admin_lang`, read by app/web/admin/admin_text.py) is the merchant's:
Shopify passes `locale` (e.g. "de-DE") on every embedded load and our links keep it; the
plugin signs the WordPress user's locale into the login link and the session keeps it. Without
either, the shop's own language, then English.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import shopify_app
from flask import current_app, g, redirect, request, session, url_for
from sqlalchemy import select

from app.extensions import db, queues
from app.i18n import N_, pick_locale
from app.links import signer
from app.links.admin_login import (
    MAX_LIFETIME_SECONDS,
    PURPOSE,
    LoginLinkError,
    read_login_token,
    token_fingerprint,
)
from app.models import Shop
from app.web.admin import bp
from app.web.admin.refusals import refuse
from app.web.shopify_home import PATCH_ID_TOKEN_PATH, _config, _passthrough, _request_input, ensure_installed
from connectors.shopify.client import ReauthorizeRequired
from connectors.shopify.session_token import admin_token_problem
from connectors.signature import same_secret

# A WooCommerce admin session lasts a working day; the plugin hands out a new link anyway.
SESSION_SECONDS = 8 * 3600


@dataclass
class AdminSession:
    shop: Shop
    platform: str
    # Query kept on every link in the Shopify iframe (shop, host, embedded).
    link_query: dict = field(default_factory=dict)
    csrf_token: str | None = None
    # Who acts, for the activity log: "Shopify user <id token sub>" or "WordPress user <id>".
    actor: str = ""

    @property
    def shopify(self) -> bool:
        return self.platform == "shopify"

    def frame_ancestors(self) -> str:
        if self.shopify:
            return f"frame-ancestors https://{self.shop.domain} https://admin.shopify.com;"
        parts = urlsplit(self.shop.domain)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""
        return f"frame-ancestors 'self' {origin};".replace(" ;", ";")


def _is_shopify_request() -> bool:
    return (request.headers.get("Authorization", "").startswith("Bearer ") or "id_token" in request.args
            or request.args.get("embedded") == "1" or request.args.get("shop", "").endswith(".myshopify.com"))


@bp.before_request
def authenticate():
    """Resolve the shop for this request, or answer 401/403 (Shopify: 302 to the token bounce)."""
    if request.endpoint == "admin.woocommerce_login":
        return None
    if _is_shopify_request():
        return authenticate_shopify()
    return _authenticate_session()


def authenticate_shopify():
    """Verify the App Bridge id token (installing the shop on first use); None when signed in."""
    # The bearer id token is our CSRF defence for Shopify: a cross-site page can neither read
    # it (it lives in App Bridge inside Shopify's iframe) nor make the browser attach it,
    # since it is no cookie. A form post therefore must carry it in the header, never the URL.
    if request.method == "POST" and not request.headers.get("Authorization", "").startswith("Bearer "):
        refuse(401, N_("admin.refused.no_bearer"))
    result = shopify_app.verify_app_home_req(_request_input(), _config(), PATCH_ID_TOKEN_PATH)
    id_token = result.id_token
    if not result.ok or id_token is None:
        return _passthrough(result.response)
    problem = admin_token_problem(id_token.claims)
    if problem:  # e.g. the checkout token a buyer holds: same secret and audience, not an admin
        refuse(401, N_("admin.refused.not_admin_token"), problem=problem)
    domain = f"{result.shop}.myshopify.com"
    asked = request.args.get("shop")
    if asked and asked != domain:
        refuse(403, N_("admin.refused.other_shops_token"), domain=domain, asked=asked)
    try:
        shop = ensure_installed(domain, id_token.token, id_token.claims)
    except ReauthorizeRequired as exc:
        current_app.logger.warning("token exchange failed for %s: %s", domain, exc)
        return _passthrough(result.invalid_token_response)
    # Shopify's `locale` (the merchant's admin language) rides along, like shop and host.
    keep = {key: request.args[key] for key in ("shop", "host", "embedded", "locale")
            if key in request.args}
    g.admin_lang = pick_locale(request.args.get("locale"), shop.locale)
    g.admin = AdminSession(shop=shop, platform="shopify", link_query=keep or {"shop": domain},
                           actor=f"Shopify user {id_token.claims.get('sub') or 'unknown'}")
    return None


def _authenticate_session():
    shop_id = session.get("admin_shop_id")
    if shop_id is None or session.get("admin_until", 0) < time.time():
        refuse(401, N_("admin.refused.not_signed_in"), hint=True)
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.active:
        session.clear()
        refuse(403, N_("admin.refused.shop_gone"))
    asked = request.args.get("shop_key")
    if asked and asked != shop.shop_key:
        refuse(403, N_("admin.refused.other_shop"), hint=True)
    if request.method == "POST" and not _csrf_ok(request.form.get("csrf_token", "")):
        refuse(403, N_("admin.refused.stale_form"))
    g.admin_lang = pick_locale(session.get("admin_locale"), shop.locale)
    g.admin = AdminSession(shop=shop, platform="woocommerce", csrf_token=session["csrf_token"],
                           actor=f"WordPress user {session.get('wp_user_id', 'unknown')}")
    return None


def _csrf_ok(sent: str) -> bool:
    expected = session.get("csrf_token", "")
    return bool(sent) and bool(expected) and same_secret(sent, expected)


def _woocommerce_secret(shop_key: str) -> str | None:
    shop = db.session.scalars(select(Shop).where(
        Shop.shop_key == shop_key, Shop.platform == "woocommerce", Shop.uninstalled_at.is_(None))).first()
    return shop.webhook_secret if shop else None


def _asked_locale(token: str) -> str | None:
    """The WordPress user's language a refused login link names (unverified: only for words)."""
    try:
        data = signer.peek(PURPOSE, token)
    except signer.BadToken:
        return None
    locale = data.get("l") if isinstance(data, dict) else None
    return locale if isinstance(locale, str) else None


@bp.get("/login")
def woocommerce_login():
    """Trade a one-use signed link from the WordPress plugin for our session cookie."""
    token = request.args.get("token", "")
    if not token:
        refuse(401, N_("admin.refused.no_login_token"), hint=True)
    try:
        claims = read_login_token(token, _woocommerce_secret, time.time())
    except LoginLinkError as exc:
        refuse(exc.status, exc.message, signed_locale=_asked_locale(token))
    if not queues.redis.set(token_fingerprint(token), "1", nx=True, ex=MAX_LIFETIME_SECONDS + 60):
        refuse(403, N_("admin.refused.login_used"), hint=True, signed_locale=claims.locale)
    shop = db.session.scalars(select(Shop).where(Shop.shop_key == claims.shop_key)).one()
    session.clear()
    session.update(admin_shop_id=shop.id, wp_user_id=claims.wp_user_id,
                   admin_until=time.time() + SESSION_SECONDS, csrf_token=secrets.token_urlsafe(32),
                   admin_locale=claims.locale)
    return redirect(url_for("admin.overview"), 303)
