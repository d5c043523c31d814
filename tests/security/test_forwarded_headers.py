"""X-Forwarded-For/-Host are the client's own words unless TRUSTED_PROXY_COUNT says a proxy
in front of us sets them: rotating them must not reset the per-IP limits or pick the host."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.config import config_from_env
from app.extensions import db
from app.links.tracking_page import tracking_token
from app.models import Shop
from tests.support.factories import make_order

DOMAIN = "track.johns-apparel.de"
TRUSTED = pytest.mark.parametrize("config", [{"TRUSTED_PROXY_COUNT": 1}], indirect=True)


@pytest.fixture
def config(config, request):
    """The suite's config; `indirect` parametrisation adds settings."""
    return {**config, **getattr(request, "param", {})}


@pytest.fixture
def shops(shop):
    """The test shop with its proven custom domain, and another shop."""
    shop.custom_domain, shop.custom_domain_verified_at = DOMAIN, datetime.now(timezone.utc)
    other = Shop(platform="shopify", domain="other.myshopify.com", name="Other Shop", locale="en")
    db.session.add(other)
    db.session.commit()
    return shop, other


def _guess(client, shop, n: int, forwarded_for: str):
    """One order-lookup attempt with a fresh e-mail address (so only the per-IP limit counts)."""
    return client.post(f"/s/{shop.shop_key}/track",
                       data={"number": "9999", "email": f"guess-{n}@example.com"},
                       headers={"X-Forwarded-For": forwarded_for}).status_code


def test_no_proxy_is_trusted_unless_configured():
    env = {"SECRET_KEY": "x", "TOKEN_ENCRYPTION_KEY": "k", "SHOPIFY_API_KEY": "id", "SHOPIFY_API_SECRET": "s"}
    assert config_from_env(env)["TRUSTED_PROXY_COUNT"] == 0
    assert config_from_env({**env, "TRUSTED_PROXY_COUNT": "2"})["TRUSTED_PROXY_COUNT"] == 2


def test_rotating_x_forwarded_for_does_not_escape_the_per_ip_limit(client, shop):
    statuses = [_guess(client, shop, n, f"198.51.100.{n}") for n in range(11)]
    assert statuses == [404] * 10 + [429]


def test_x_forwarded_host_does_not_steer_host_routing(client, shops):
    shop, other = shops
    own, foreign = make_order(shop, platform_order_id="1001"), make_order(other, platform_order_id="2002")
    db.session.commit()
    # On the shop's custom domain, claiming to be the app's own host would open everything.
    steered = {"Host": DOMAIN, "X-Forwarded-Host": "app.example.test"}
    assert client.get(f"/t/{tracking_token(foreign)}", headers=steered).status_code == 404
    assert client.get("/admin/", headers=steered).status_code == 404
    assert client.get(f"/t/{tracking_token(own)}", headers=steered).status_code == 200
    # And a stranger's host cannot pose as the custom domain.
    posing = {"Host": "10.0.0.7:8000", "X-Forwarded-Host": DOMAIN}
    assert client.get(f"/t/{tracking_token(own)}", headers=posing).status_code == 404


@TRUSTED
def test_behind_one_trusted_proxy_the_address_it_saw_is_the_client(client, shop):
    # The client may send any X-Forwarded-For; the proxy appends the address it saw.
    statuses = [_guess(client, shop, n, f"10.9.8.{n}, 203.0.113.7") for n in range(11)]
    assert statuses == [404] * 10 + [429]
    assert _guess(client, shop, 99, "203.0.113.8") == 404  # another client: its own allowance


@TRUSTED
def test_behind_one_trusted_proxy_its_forwarded_host_decides(client, shops):
    shop, _ = shops
    order = make_order(shop, platform_order_id="1001")
    db.session.commit()
    inside = {"Host": "10.0.0.7:8000", "X-Forwarded-Host": DOMAIN, "X-Forwarded-Proto": "https"}
    assert client.get(f"/t/{tracking_token(order)}", headers=inside).status_code == 200
    assert client.get("/admin/", headers=inside).status_code == 404
