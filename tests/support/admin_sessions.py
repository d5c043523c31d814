"""Ways into the admin for tests: WooCommerce login links and Shopify App Bridge id tokens."""
from __future__ import annotations

import re
import time
import uuid

import jwt
import pytest

from app.extensions import db
from app.links.admin_login import sign_login_token
from app.models import Shop
from tests.support.app_config import SHOPIFY_SECRET

WC_SECRET = "wc-webhook-secret"
SHOPIFY_DOMAIN = "johns-apparel.myshopify.com"


@pytest.fixture
def wc_shop(app):
    shop = Shop(platform="woocommerce", domain="https://laden.example", name="Laden",
                webhook_secret=WC_SECRET,
                api_key="ck_test", api_secret="cs_test", locale="de", support_email="hilfe@laden.example")
    db.session.add(shop)
    db.session.commit()
    return shop


def login_link(shop: Shop, secret: str = WC_SECRET, now: float | None = None, locale: str = "en_GB") -> str:
    """What the plugin's "Open Aftersales" button makes, made at `now`, for a WordPress user whose
    language is `locale`."""
    token = sign_login_token(shop.shop_key, secret, 7, now if now is not None else time.time(), locale)
    return f"/admin/login?token={token}"


@pytest.fixture
def wc_admin(client, wc_shop):
    """A client signed in to the WooCommerce shop's admin through a fresh login link."""
    response = client.get(login_link(wc_shop))
    assert response.status_code == 303, response.data
    return client


def csrf_token(client, path: str = "/admin/modules") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def id_token(domain: str = SHOPIFY_DOMAIN, secret: str = SHOPIFY_SECRET, lifetime: int = 60) -> str:
    now = int(time.time())
    return jwt.encode({"iss": f"https://{domain}/admin", "dest": f"https://{domain}", "aud": "test-client-id",
                       "sub": "42", "exp": now + lifetime, "nbf": now - 120, "iat": now - 120,
                       "jti": str(uuid.uuid4()), "sid": "s"}, secret, algorithm="HS256")


def bearer(token: str | None = None) -> dict:
    return {"Authorization": f"Bearer {token or id_token()}"}


def admin_get_pages(app) -> list[str]:
    """Every admin page a merchant opens with GET (no path parameters, no downloads)."""
    pages = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.") and "GET" in rule.methods and not rule.arguments \
                and rule.endpoint != "admin.woocommerce_login":
            pages.add(rule.rule)
    return sorted(pages)
