"""The WooCommerce connect flow, as a stranger who knows only a connected store's address.

Last round: `GET /woocommerce/connect?store_url=<victim>` then `GET /woocommerce/connected?
success=1&user_id=<state>` showed the victim's shop key and signing secret, and a forged
callback rekeyed the shop and called off its pending GDPR purge.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Shop
from bench.servers import gunicorn
from tests.integration.test_faults import process_env
from tests.support.woocommerce_store import CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET

FORGED = {"key_id": 9, "consumer_key": "ck_" + "a" * 40, "consumer_secret": "cs_" + "b" * 40,
          "key_permissions": "read_write"}


def _state(location: str) -> str:
    return parse_qs(urlsplit(location).query)["user_id"][0]


@pytest.fixture
def victim(wc_store_shop):
    """A connected store whose merchant uninstalled it yesterday: its data is due for purge."""
    wc_store_shop.uninstalled_at = datetime.now(timezone.utc) - timedelta(days=1)
    wc_store_shop.redact_after = datetime.now(timezone.utc) + timedelta(days=1)
    db.session.commit()
    return wc_store_shop


def _unchanged(shop_id: int) -> None:
    db.session.expire_all()
    shop = db.session.get(Shop, shop_id)
    assert (shop.api_key, shop.api_secret, shop.webhook_secret) == (CONSUMER_KEY, CONSUMER_SECRET,
                                                                    WEBHOOK_SECRET)
    assert shop.uninstalled_at is not None and shop.redact_after is not None  # the purge still stands


def test_stranger_gets_no_secret_and_cannot_rekey_or_revive_a_shop_over_real_http(config, app, victim,
                                                                                  fake_store,
                                                                                   run_jobs):
    env = process_env(config, WOOCOMMERCE_ALLOW_LOOPBACK_HTTP="1")
    with gunicorn("app:create_app()", env, probe="/healthz") as base, httpx.Client(base_url=base) as stranger:
        started = stranger.get("/woocommerce/connect", params={"store_url": victim.domain})
        assert started.status_code == 302
        state = _state(started.headers["Location"])
        forged = stranger.post("/woocommerce/callback", json={**FORGED, "user_id": state})
        # WooCommerce deletes keys unless answered 200; nothing is trusted yet
        assert forged.status_code == 200
        run_jobs()  # the proof: the made-up keys are refused by the store itself
        # The cookie is Secure (APP_URL is https); this loopback server is plain http, so it is
        # sent back by hand, as the attacker's own browser would over https.
        cookie = started.headers["Set-Cookie"].split(";", 1)[0]
        assert "HttpOnly" in started.headers["Set-Cookie"] and "Secure" in started.headers["Set-Cookie"]
        page = stranger.get("/woocommerce/connected", params={"success": "1", "user_id": state},
                            headers={"Cookie": cookie})
        text = page.text
        assert page.status_code == 400 and "refused the keys" in text
        assert victim.shop_key not in text and WEBHOOK_SECRET not in text
        # another browser, with the state but not the cookie, sees nothing at all
        other = httpx.get(f"{base}/woocommerce/connected", params={"success": "1", "user_id": state})
        assert other.status_code == 403
    _unchanged(victim.id)


def test_keys_made_on_another_store_do_not_rekey_the_victim(client, app, victim, fake_store, run_jobs):
    # the attacker's own store issues real keys; they are no proof of owning the victim's
    state = _state(client.get("/woocommerce/connect", query_string={"store_url": victim.domain})
                   .headers["Location"])
    fake_store.key, fake_store.secret = "ck_victims_real_key", "cs_victims_real_secret"
    body = {**FORGED, "user_id": state, "consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET}
    assert client.post("/woocommerce/callback", data=json.dumps(body)).status_code == 200
    run_jobs()
    _unchanged(victim.id)


def test_a_state_cannot_be_replayed_after_a_real_connection(client, app, fake_store, run_jobs):
    state = _state(client.get("/woocommerce/connect", query_string={"store_url": fake_store.store_url})
                   .headers["Location"])
    real = {**FORGED, "user_id": state, "consumer_key": CONSUMER_KEY, "consumer_secret": CONSUMER_SECRET}
    assert client.post("/woocommerce/callback", data=json.dumps(real)).status_code == 200
    run_jobs()
    replay = client.post("/woocommerce/callback", data=json.dumps({**FORGED, "user_id": state}))
    assert replay.status_code == 403
    assert db.session.scalars(select(Shop)).one().api_key == CONSUMER_KEY


def test_the_plugin_secret_goes_only_to_the_store_that_asked(client, app, fake_store, run_jobs):
    """A claim the store's plugin did not make is refused by the plugin: nothing configured."""
    fake_store.state.plugin_claim = "p" * 43
    url = client.get("/woocommerce/connect",
                     query_string={"store_url": fake_store.store_url, "claim": "x" * 43})
    body = {**FORGED, "user_id": _state(url.headers["Location"]), "consumer_key": CONSUMER_KEY,
            "consumer_secret": CONSUMER_SECRET}
    assert client.post("/woocommerce/callback", data=json.dumps(body)).status_code == 200
    run_jobs()
    assert fake_store.state.plugin_settings is None
    page = client.get("/woocommerce/connected", query_string={"success": "1", "user_id": body["user_id"]})
    assert "install the Aftersales plugin" in page.get_data(as_text=True)


@pytest.mark.parametrize("claim", ["short", "x" * 43 + "<script>", "ä" * 40])
def test_a_malformed_claim_is_400(client, claim):
    response = client.get("/woocommerce/connect",
                          query_string={"store_url": "https://laden.example", "claim": claim})
    assert response.status_code == 400


def test_connect_is_rate_limited_per_address(client):
    codes = [client.get("/woocommerce/connect", query_string={"store_url": "https://laden.example"})
             .status_code
             for _ in range(31)]
    assert codes[:30] == [302] * 30 and codes[30] == 429
