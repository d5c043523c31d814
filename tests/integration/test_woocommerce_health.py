"""Settings → Aftersales in WordPress shows the connection's health as the app's admin words it,
in the WordPress user's language: the plugin's signed call, replayed byte for byte to our app,
and our answer rendered by the plugin as a wp-admin notice."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from datetime import datetime, timezone
from html import unescape
from urllib.parse import urlsplit

import pytest

from app.extensions import db
from tests.integration.test_woocommerce_plugin import needs_php, php
from tests.integration.test_woocommerce_privacy import replay
from tests.support.admin_sessions import WC_SECRET

APP = "https://app.example.test"
pytestmark = needs_php


def _page(shop, locale: str, status: int | None = None, body: str = "") -> dict:
    extra = [str(status), body] if status is not None else []
    return json.loads(php("settings-health", APP, shop.shop_key, WC_SECRET, locale, *extra))


def _notice(html: str) -> str:
    found = re.search(r'<div class="notice [^"]*" data-health="[^"]*">.*?</div>', unescape(html), re.S)
    assert found, html
    return found.group(0)


@pytest.mark.parametrize("verdict, locale, tone, words", [
    ("store_unreachable: HTTP 503", "de_DE", "notice-warning",
     "Der Server des Shops hatte einen Fehler (HTTP 503)"),
    ("store_unreachable: HTTP 503", "en_GB", "notice-warning", "The store's server had an error (HTTP 503)"),
    ("keys_refused: HTTP 401", "en_US", "notice-error", "Your store refused the app's API keys"),
    ("ok: 3 polled, 0 rechecked; webhooks 4 active", "de_DE_formal", "notice-success", "Verbunden"),
])
def test_the_plugins_settings_page_shows_the_apps_verdict(client, wc_shop, verdict, locale, tone, words):
    wc_shop.sync_health, wc_shop.last_synced_at = verdict, datetime(2026, 12, 1, 8, 30, tzinfo=timezone.utc)
    db.session.commit()
    [sent] = _page(wc_shop, locale)["http"]  # what the plugin asks, signed with the shop's secret
    assert urlsplit(sent["url"]).path == f"/woocommerce/health/{wc_shop.shop_key}"
    assert json.loads(sent["args"]["body"])["locale"] == locale and sent["args"]["timeout"] == 4
    answer = replay(client, sent)
    assert answer.status_code == 200, answer.data
    notice = _notice(_page(wc_shop, locale, 200, answer.get_data(as_text=True))["html"])
    assert tone in notice and words in notice
    assert ("What to do:" in notice) == bool(answer.json["advice"])
    assert "UTC" in notice and ("2026" in notice)  # the last check, in the user's words


def test_a_shop_never_checked_and_an_unreachable_app(client, wc_shop):
    [sent] = _page(wc_shop, "en_US")["http"]
    answer = replay(client, sent).json
    assert answer["family"] == "none" and answer["last_check"] is None
    down = _notice(_page(wc_shop, "en_US", 0)["html"])
    assert 'data-health="unreachable"' in down and "Aftersales could not be reached: cURL error 28" in down
    odd = _notice(_page(wc_shop, "en_US", 200, "{}")["html"])
    assert "not with the connection's state" in odd


def test_only_the_shops_own_signature_gets_an_answer(client, wc_shop):
    url = f"/woocommerce/health/{wc_shop.shop_key}"
    body = json.dumps({"locale": "en", "exp": int(time.time()) + 60}).encode()

    def signature(secret: str) -> str:
        return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()

    guessed = client.post(url, data=body, headers={"X-Aftersales-Signature": signature("guessed")})
    assert guessed.status_code == 401 and "headline" not in guessed.get_data(as_text=True)
    assert client.post(url, data=body,
                       headers={"X-Aftersales-Signature": signature(WC_SECRET)}).status_code == 200
    assert client.post("/woocommerce/health/not-a-shop", data=body,
                       headers={"X-Aftersales-Signature": signature(WC_SECRET)}).status_code == 404
