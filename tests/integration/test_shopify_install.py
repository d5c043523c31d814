"""Managed install: the first open of the app in the admin exchanges the id token."""
import time
import uuid
from datetime import datetime, timezone

import jwt
import pytest
from sqlalchemy import select, text

from app.domain.privacy.lifecycle import uninstall_shop
from app.extensions import db
from app.models import Shop
from tests.support.app_config import SHOPIFY_SECRET
from tests.support.fakes.shopify_admin import FakeShopify

DOMAIN = "new-merchant.myshopify.com"


@pytest.fixture
def fake_shopify(app):
    fake = FakeShopify().start()
    app.config["SHOPIFY_API_ORIGIN"] = fake.origin
    yield fake
    fake.stop()


def id_token(secret=SHOPIFY_SECRET, domain=DOMAIN):
    now = int(time.time())
    return jwt.encode({"iss": f"https://{domain}/admin", "dest": f"https://{domain}", "aud": "test-client-id",
                       "sub": "42", "exp": now + 60, "nbf": now, "iat": now, "jti": str(uuid.uuid4()),
                       "sid": "s"}, secret, algorithm="HS256")


def open_app(client, token):
    return client.get("/shopify/app", query_string={"shop": DOMAIN, "host": "YWRtaW4", "embedded": "1",
                                                     "id_token": token})


def test_first_open_installs_with_encrypted_expiring_tokens(client, fake_shopify):
    response = open_app(client, id_token())
    assert response.status_code == 200
    assert (response.headers["Content-Security-Policy"]
            == f"frame-ancestors https://{DOMAIN} https://admin.shopify.com;")
    assert b'name="shopify-api-key" content="test-client-id"' in response.data
    shop = db.session.scalars(select(Shop)).one()
    assert shop.domain == DOMAIN and shop.access_token in fake_shopify.shop(DOMAIN).access_tokens
    assert shop.refresh_token and shop.access_token_expires_at > datetime.now(timezone.utc)
    raw = db.session.execute(text("SELECT access_token FROM shops")).scalar()
    assert shop.access_token not in raw

    assert open_app(client, id_token()).status_code == 200
    assert fake_shopify.shop(DOMAIN).exchange_calls == 1


def test_reopening_after_uninstall_installs_again(client, fake_shopify):
    open_app(client, id_token())
    shop = db.session.scalars(select(Shop)).one()
    uninstall_shop(db.session, shop, datetime.now(timezone.utc))
    db.session.commit()
    assert open_app(client, id_token()).status_code == 200
    db.session.expire_all()
    shop = db.session.scalars(select(Shop)).one()
    assert shop.active and shop.access_token and fake_shopify.shop(DOMAIN).exchange_calls == 2


def test_forged_id_token_is_refused_and_installs_nothing(client, fake_shopify):
    response = open_app(client, id_token(secret="not-our-secret"))
    assert response.status_code in (302, 401)
    assert db.session.scalars(select(Shop)).first() is None
    assert fake_shopify.shop(DOMAIN).exchange_calls == 0


def test_document_load_without_id_token_bounces_to_the_patch_page(client):
    response = client.get("/shopify/app", query_string={"shop": DOMAIN, "host": "YWRtaW4", "embedded": "1"})
    assert response.status_code == 302
    assert "/shopify/patch-id-token" in response.headers["Location"]
    bounce = client.get(response.headers["Location"])
    assert bounce.status_code == 200 and b"app-bridge.js" in bounce.data
