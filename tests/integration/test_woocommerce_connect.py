"""Connecting a store through WooCommerce's key handshake, then the webhook setup job."""
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Shop
from connectors.woocommerce.store_url import InvalidStoreUrl, normalise_store_url
from tests.support.woocommerce_store import CONSUMER_KEY, CONSUMER_SECRET


def start(client, store_url: str, **extra) -> dict:
    response = client.get("/woocommerce/connect", query_string={"store_url": store_url, **extra})
    assert response.status_code == 302, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    return {"base": f"{location.scheme}://{location.netloc}{location.path}", **query}


def keys_body(state: str, **overrides) -> dict:
    return {"key_id": 1, "user_id": state, "consumer_key": CONSUMER_KEY,
            "consumer_secret": CONSUMER_SECRET, "key_permissions": "read_write", **overrides}


def post_keys(client, body):
    # as WooCommerce sends it: wp_json_encode, Content-Type application/json;charset=UTF-8
    import json

    return client.post("/woocommerce/callback", data=json.dumps(body),
                       headers={"Content-Type": "application/json;charset=UTF-8"})


def shop_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Shop))


@pytest.mark.parametrize("raw, expected", [
    ("Shop.Example", "https://shop.example"),
    ("https://shop.example/", "https://shop.example"),
    ("https://shop.example:443/store//", "https://shop.example/store"),
    ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),  # loopback: tests and local dev only
    ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
    ("https://bücher.example", "https://xn--bcher-kva.example"),
])
def test_store_urls_are_normalised(raw, expected):
    assert normalise_store_url(raw, allow_loopback_http=True) == expected


@pytest.mark.parametrize("raw", [
    "", "http://shop.example", "ftp://shop.example", "https://user:pw@shop.example",
    "https://shop.example/?x=1", "https://10.0.0.5", "https://localhost-", "https://shop",
    "javascript:alert(1)",
    "https://shop.example:8443",
])
def test_bad_store_urls_are_refused(raw):
    with pytest.raises(InvalidStoreUrl):
        normalise_store_url(raw, allow_loopback_http=True)


def test_plain_http_loopback_only_when_allowed():
    with pytest.raises(InvalidStoreUrl):
        normalise_store_url("http://127.0.0.1:8080")


def test_connect_redirects_to_the_stores_grant_screen(client):
    params = start(client, "Laden.Example/")
    assert params["base"] == "https://laden.example/wc-auth/v1/authorize"
    assert params["app_name"] == "Aftersales"
    assert params["scope"] == "read_write"
    assert params["return_url"] == "https://app.example.test/woocommerce/connected"
    assert params["callback_url"] == "https://app.example.test/woocommerce/callback"
    assert len(params["user_id"]) > 40  # signed, with a random nonce
    assert start(client, "laden.example")["user_id"] != params["user_id"]


def test_connect_refuses_a_non_https_store(client):
    response = client.get("/woocommerce/connect", query_string={"store_url": "http://laden.example"})
    assert response.status_code == 400
    assert "https" in response.get_data(as_text=True)


def test_callback_answers_exactly_200_and_the_proven_keys_are_stored_encrypted(client, fake_store, run_jobs):
    state = start(client, fake_store.store_url)["user_id"]
    response = post_keys(client, keys_body(state))
    assert response.status_code == 200
    assert shop_count() == 0  # nothing is trusted before the keys worked on the store
    run_jobs()
    shop = db.session.scalars(select(Shop)).one()
    assert (shop.platform, shop.domain) == ("woocommerce", fake_store.store_url)
    assert (shop.api_key, shop.api_secret, shop.scopes) == (CONSUMER_KEY, CONSUMER_SECRET, "read_write")
    assert shop.webhook_secret.isalnum() and len(shop.webhook_secret) >= 32
    raw = db.session.execute(text("SELECT api_key, api_secret, webhook_secret FROM shops")).one()
    assert CONSUMER_KEY not in raw[0] and CONSUMER_SECRET not in raw[1] and shop.webhook_secret not in raw[2]
    assert fake_store.calls("GET", "webhooks")  # the proof: an authenticated read on the store


def test_forged_state_is_refused_and_stores_nothing(client):
    assert post_keys(client, keys_body("merchant-42")).status_code == 403
    forged = start(client, "https://laden.example")["user_id"][:-2] + "xx"
    assert post_keys(client, keys_body(forged)).status_code == 403
    assert shop_count() == 0


def test_state_is_single_use(client, fake_store, run_jobs):
    state = start(client, fake_store.store_url)["user_id"]
    assert post_keys(client, keys_body(state)).status_code == 200
    replay = post_keys(client, keys_body(state, consumer_key="ck_attacker", consumer_secret="cs_attacker"))
    assert replay.status_code == 403
    run_jobs()
    assert db.session.scalars(select(Shop)).one().api_key == CONSUMER_KEY


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b'{"user_id": "x"}',
])
def test_malformed_callback_is_400(client, body):
    response = client.post("/woocommerce/callback", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 403)
    assert shop_count() == 0


def test_read_only_keys_are_refused(client):
    state = start(client, "https://laden.example")["user_id"]
    assert post_keys(client, keys_body(state, key_permissions="read")).status_code == 400
    assert shop_count() == 0


def test_reconnecting_updates_the_same_shop_and_keeps_its_webhook_secret(client, fake_store, run_jobs):
    state = start(client, fake_store.store_url)["user_id"]
    assert post_keys(client, keys_body(state)).status_code == 200
    run_jobs()
    shop = db.session.scalars(select(Shop)).one()
    secret, key = shop.webhook_secret, shop.shop_key
    shop.needs_reauth_at = shop.installed_at
    db.session.commit()
    fake_store.key, fake_store.secret = "ck_new", "cs_new"  # the admin made new keys on the store
    state = start(client, fake_store.store_url + "/")["user_id"]
    assert post_keys(client,
                     keys_body(state, consumer_key="ck_new", consumer_secret="cs_new")).status_code == 200
    run_jobs()
    db.session.expire_all()
    shop = db.session.scalars(select(Shop)).one()
    assert (shop.api_key, shop.api_secret) == ("ck_new", "cs_new")
    assert (shop.webhook_secret, shop.shop_key) == (secret, key)
    assert shop.needs_reauth_at is None


def test_return_page_reports_progress_then_success(client, fake_store, run_jobs):
    state = start(client, fake_store.store_url)["user_id"]
    post_keys(client, keys_body(state))
    waiting = client.get("/woocommerce/connected", query_string={"success": "1", "user_id": state})
    assert waiting.status_code == 200 and "Connecting" in waiting.get_data(as_text=True)
    run_jobs()
    ok = client.get("/woocommerce/connected", query_string={"success": "1", "user_id": state})
    assert ok.status_code == 200 and "Store connected" in ok.get_data(as_text=True)
    assert ok.headers["Cache-Control"] == "no-store" and ok.headers["Referrer-Policy"] == "no-referrer"
    denied = client.get("/woocommerce/connected", query_string={"success": "0", "user_id": state})
    assert denied.status_code == 400 and "Not connected" in denied.get_data(as_text=True)
    assert client.get("/woocommerce/connected",
                      query_string={"success": "1", "user_id": "x"}).status_code == 403


def test_the_plugin_gets_its_settings_server_to_server_and_no_page_shows_them(client, app, fake_store,
                                                                              run_jobs):
    claim = "c" * 43
    fake_store.state.plugin_claim = claim
    state = start(client, fake_store.store_url, claim=claim)["user_id"]
    post_keys(client, keys_body(state))
    run_jobs()
    shop = db.session.scalars(select(Shop)).one()
    assert fake_store.state.plugin_settings == {"shop_key": shop.shop_key, "secret": shop.webhook_secret,
                                                "app_url": app.config["APP_URL"], "app_name": "Aftersales"}
    page = client.get("/woocommerce/connected",
                      query_string={"success": "1", "user_id": state}).get_data(as_text=True)
    assert "Store connected" in page and "nothing to copy" in page
    assert shop.webhook_secret not in page and shop.shop_key not in page


def test_handshake_then_setup_job_creates_the_four_webhooks(client, app, fake_store, run_jobs):
    state = start(client, fake_store.store_url)["user_id"]
    assert post_keys(client, keys_body(state)).status_code == 200
    run_jobs()
    shop = db.session.scalars(select(Shop)).one()
    hooks = fake_store.state.webhooks.values()
    assert sorted(h["topic"] for h in hooks) == ["order.created", "order.deleted", "order.restored",
                                                 "order.updated"]
    assert {h["delivery_url"] for h
            in hooks} == {f"https://app.example.test/webhooks/woocommerce/{shop.shop_key}"}
    assert {h["secret"] for h in hooks} == {shop.webhook_secret}
    assert {h["status"] for h in hooks} == {"active"}
    assert {r[3] for r in fake_store.state.requests} == {"basic"}
    db.session.expire_all()
    assert db.session.get(Shop,
                          shop.id).sync_health.startswith("ok: webhooks 0 active; created order.created")


def test_tls_verify_setting_reads_bools_and_ca_paths():
    from app.config import config_from_env

    base = {"SECRET_KEY": "x", "TOKEN_ENCRYPTION_KEY": "k", "SHOPIFY_API_KEY": "a", "SHOPIFY_API_SECRET": "b"}
    assert config_from_env(base)["WOOCOMMERCE_TLS_VERIFY"] is True
    assert config_from_env({**base, "WOOCOMMERCE_TLS_VERIFY": "false"})["WOOCOMMERCE_TLS_VERIFY"] is False
    with_file = config_from_env({**base, "WOOCOMMERCE_TLS_VERIFY": "/etc/ca.pem"})
    assert with_file["WOOCOMMERCE_TLS_VERIFY"] == "/etc/ca.pem"
