"""The checkout's web worker calls the block API from another origin with `Authorization`,
so a real browser sends a CORS preflight first (Origin + Access-Control-Request-Method).
Last round that preflight got 500 and the block never loaded in a real checkout, while a
bare OPTIONS in the test client passed. Here Chromium makes the call, through gunicorn."""
from __future__ import annotations

import json

import pytest

from bench.servers import gunicorn
from tests.integration.test_block_api import order, session_token  # noqa: F401 (fixture)
from tests.integration.test_faults import process_env
from tests.support.browser import require_browser

require_browser()
pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGE = """<!doctype html><meta charset="utf-8"><title>checkout</title><script>
window.result = fetch(%(url)s, {headers: {Authorization: "Bearer " + %(token)s}})
  .then(r => r.json().then(body => ({status: r.status, body})))
  .catch(e => ({error: String(e)}));
</script>"""


def test_chromium_from_another_origin_gets_the_order_status(config, order, static_site,  # noqa: F811
                                                           browser_page):
    with gunicorn("app:create_app()", process_env(config), probe="/healthz") as base:
        url = f"{base}/api/v1/order-status?order_id=gid://shopify/OrderIdentity/450789469"
        static_site.pages["/checkout"] = ("text/html", PAGE % {"url": json.dumps(url),
                                                                "token": json.dumps(session_token())})
        browser_page.goto(static_site.origin + "/checkout")
        result = browser_page.evaluate("window.result")
    assert "error" not in result, result
    assert result["status"] == 200 and result["body"]["order"]["name"], result
    assert static_site.origin.startswith("http://localhost")  # another origin than the API's 127.0.0.1


def test_preflight_as_the_browser_sends_it_is_204_with_cors(client):
    response = client.options("/api/v1/order-status", headers={
        "Origin": "https://extensions.shopifycdn.com", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()
