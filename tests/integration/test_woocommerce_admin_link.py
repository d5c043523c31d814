"""The plugin's "Open Aftersales" button: PHP-made sign-in links verified and used by the app."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from app.links.admin_login import LoginLinkError, read_login_token
from tests.integration.test_woocommerce_plugin import needs_php, php
from tests.support.admin_sessions import WC_SECRET
from tests.support.link_tokens import old_login_token

pytestmark = needs_php
# Made once by the plugin's aftersales_make_login_token('abc', 7, 'sekret', 1900000000, 'n0nce').
KNOWN_LOGIN_TOKEN = ("v1.eyJwIjoiYWRtaW4tbG9naW4iLCJ0IjoxOTAwMDAwMDAwLCJkIjp7InMiOiJhYmMiLCJ1Ijo3"
                     "LCJuIjoibjBuY2UifX0"
                     ".XUfgVwvTyewoEuKw-6RG8pQVY6XA7QTZJjORFERCk7Y")
# Made once by plugin 0.1.0 with the same arguments (the fourth an expiry), in its own format.
KNOWN_OLD_LOGIN_TOKEN = ("eyJzaG9wIjoiYWJjIiwidXNlciI6NywiZXhwIjoxOTAwMDAwMDAwLCJub25jZSI6Im4wbmNlIn0"
                         ".8935a4df044ff807877186b8b26ae0c568d7496e5c538e84f5b0ee755b5cae16")
CAN, NONCE = "manage_woocommerce", "nonce-aftersales_open_admin"


def open_admin(app_url: str, shop_key: str, secret: str, user: str = "7", cap: str = CAN,
               nonce: str = NONCE) -> dict:
    return json.loads(php("open-admin", app_url, shop_key, secret, user, cap, nonce))


def test_php_login_token_is_the_known_answer_and_verifies_in_python():
    token = php("login-token", "abc", "7", "sekret", "1900000000", "n0nce")
    assert token == KNOWN_LOGIN_TOKEN
    body = base64.urlsafe_b64encode(b'{"p":"admin-login","t":1900000000,"d":{"s":"abc","u":7,"n":"n0nce"}}')
    signed = b"v1." + body.rstrip(b"=")
    key = hmac.new(b"sekret", b"aftersales-link:admin-login", hashlib.sha256).digest()
    mac = base64.urlsafe_b64encode(hmac.new(key, signed, hashlib.sha256).digest()).rstrip(b"=")
    assert token == f"{signed.decode()}.{mac.decode()}"
    claims = read_login_token(token, {"abc": "sekret"}.get, now=1900000000 + 200)
    assert (claims.shop_key, claims.wp_user_id, claims.nonce) == ("abc", 7, "n0nce")
    for secrets in ({"abc": "wrong"}, {"other": "sekret"}, {"abc": ""}):  # "": no secret stored
        with pytest.raises(LoginLinkError) as refused:
            read_login_token(token, secrets.get, now=1900000000 + 200)
        assert refused.value.status == 403
    with pytest.raises(LoginLinkError, match="expired"):
        read_login_token(token, {"abc": "sekret"}.get, now=1900000000 + 301)


def test_an_old_plugins_login_link_signs_in_until_the_legacy_date(app, client, wc_shop):
    assert old_login_token("abc", "sekret", 7, 1900000000) == KNOWN_OLD_LOGIN_TOKEN
    with pytest.raises(LoginLinkError, match="admin.refused.login_retired"):  # 2030: after the date
        read_login_token(KNOWN_OLD_LOGIN_TOKEN, {"abc": "sekret"}.get, now=1900000000 - 200)
    old = old_login_token(wc_shop.shop_key, WC_SECRET, 7, int(time.time()) + 300)
    assert (client.get(f"/admin/login?token={old}").status_code == 303
            and client.get("/admin/").status_code == 200)
    assert app.test_client().get(f"/admin/login?token={old}").status_code == 403  # one use, as before
    for bad in (old_login_token(wc_shop.shop_key, "not-the-secret", 7, int(time.time()) + 300),
                old_login_token(wc_shop.shop_key, WC_SECRET, 7, int(time.time()) - 1)):
        assert app.test_client().get(f"/admin/login?token={bad}").status_code in (401, 403)


def test_open_admin_redirects_to_a_fresh_link_that_signs_in(app, client, wc_shop):
    app_url = app.config["APP_URL"]
    before = time.time()
    log = open_admin(app_url, wc_shop.shop_key, WC_SECRET)
    assert log["died"] == [] and len(log["redirects"]) == 1
    url = log["redirects"][0]
    assert url.startswith(app_url + "/admin/login?token=")  # app host allowed, no fallback to wp-admin
    token = parse_qs(urlsplit(url).query)["token"][0]
    claims = read_login_token(token, {wc_shop.shop_key: WC_SECRET}.get, time.time())
    assert claims.wp_user_id == 7
    made = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["t"]
    assert int(before) <= made <= time.time()
    second = parse_qs(urlsplit(open_admin(app_url, wc_shop.shop_key, WC_SECRET)["redirects"][0])
                      .query)["token"][0]
    assert len(claims.nonce) >= 16 and read_login_token(second, {wc_shop.shop_key: WC_SECRET}.get,
                                                        time.time()).nonce != claims.nonce
    response = client.get(urlsplit(url).path + "?" + urlsplit(url).query)
    assert response.status_code in (302, 303) and response.headers["Location"].endswith("/admin/")
    assert "session=" in response.headers["Set-Cookie"]
    assert client.get("/admin/").status_code == 200
    assert app.test_client().get(urlsplit(url).path + "?" + urlsplit(url).query).status_code == 403  # one use


def test_link_signed_with_a_wrong_secret_does_not_sign_in(app, client, wc_shop):
    url = urlsplit(open_admin(app.config["APP_URL"], wc_shop.shop_key, "not-the-secret")["redirects"][0])
    response = client.get(url.path + "?" + url.query)
    # The WordPress user's language (the plugin signs it into the link: de_DE here) words the refusal.
    assert response.status_code == 403 and "nicht von deinem Shop signiert" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 401


@pytest.mark.parametrize(("cap", "nonce", "message"), [
    ("read", NONCE, "You are not allowed to open Aftersales."),
    (CAN, "nonce-aftersales_save_settings", "The link you followed has expired."),
    (CAN, "", "The link you followed has expired."),
])
def test_open_admin_checks_capability_and_nonce(cap, nonce, message):
    log = open_admin("https://app.example.test", "abc", "sekret", cap=cap, nonce=nonce)
    assert log["died"] == [[message, 403]] and log["redirects"] == []


def test_open_admin_unconfigured_dies_without_redirect():
    log = open_admin("https://app.example.test", "abc", "")
    assert log["died"] == [["Connect the store first.", 400]] and log["redirects"] == []


def test_settings_page_shows_button_and_connect_form(app, client):
    page = php("settings-page", app.config["APP_URL"], "abc", "sekret")
    form = re.search(r'<form method="post" action="([^"]+)" target="_blank">(.*?)</form>', page, re.S)
    assert form and form.group(1) == "https://shop.example/wp-admin/admin-post.php"
    assert 'name="action" value="aftersales_open_admin"' in form.group(2) and NONCE in form.group(2)
    assert 'name="action" value="aftersales_connect"' in page and "nonce-aftersales_connect" in page
    # nothing to paste
    assert 'name="aftersales_secret"' not in page and 'name="aftersales_shop_key"' not in page


def test_connect_button_sends_a_one_time_claim_to_the_app(app, client):
    out = json.loads(php("connect-start", app.config["APP_URL"], "manage_woocommerce",
                         "nonce-aftersales_connect"))
    connect = out["log"]["redirects"][0]
    query = parse_qs(urlsplit(connect).query)
    assert connect.startswith(app.config["APP_URL"] + "/woocommerce/connect?")
    assert query["store_url"] == ["https://shop.example"] and len(query["claim"][0]) == 43
    kept = out["options"]["aftersales_connect_claim"]
    assert query["claim"][0] not in json.dumps(out["options"])  # only its hash is kept
    assert kept["hash"] == hashlib.sha256(query["claim"][0].encode()).hexdigest()
    started = client.get(urlsplit(connect).path + "?" + urlsplit(connect).query)
    assert (started.status_code == 302
            and started.headers["Location"].startswith("https://shop.example/wc-auth/v1/authorize?"))


@pytest.mark.parametrize("cap, nonce, message", [
    ("read", "nonce-aftersales_connect", "You are not allowed to connect this store."),
    ("manage_woocommerce", "nonce-other", "The link you followed has expired."),
])
def test_connect_button_checks_capability_and_nonce(app, cap, nonce, message):
    out = json.loads(php("connect-start", app.config["APP_URL"], cap, nonce))
    assert out["log"]["died"] == [[message, 403]] and "aftersales_connect_claim" not in out["options"]


def test_plugin_takes_its_settings_only_with_its_own_live_claim():
    body = {"claim": "c" * 43, "shop_key": "sk_1", "secret": "s3cret", "app_url": "https://evil.example"}
    ok = json.loads(php("connect-receive", "c" * 43, "600", json.dumps(body)))
    assert ok["answer"] == {"connected": True}
    assert (ok["options"]["aftersales_shop_key"], ok["options"]["aftersales_secret"]) == ("sk_1", "s3cret")
    assert ok["options"]["aftersales_app_url"] == "https://app.example.test"  # the app URL is the merchant's
    assert "aftersales_connect_claim" not in ok["options"]  # used once
    assert ok["log"]["routes"] == [["aftersales/v1", "/connection", "POST", "__return_true"]]
    for made, left, sent in (("c" * 43, "600", "d" * 43), ("c" * 43, "-1", "c" * 43), ("c" * 43, "600", "")):
        refused = json.loads(php("connect-receive", made, left, json.dumps({**body, "claim": sent})))
        assert (refused["answer"]["code"] == "aftersales_unknown_claim"
                and refused["answer"]["data"] == {"status": 403})
        assert "aftersales_secret" not in refused["options"]


def test_settings_page_hides_what_it_cannot_offer_and_escapes():
    no_secret = php("settings-page", "https://app.example.test", "abc", "")
    assert "Open Aftersales" not in no_secret and 'value="aftersales_connect"' in no_secret
    no_url = php("settings-page", "", "abc", "sekret")
    assert "Open Aftersales" not in no_url and 'value="aftersales_connect"' not in no_url
    hostile = php("settings-page", 'https://app.example.test/"><script>x</script>', '"><b>', "s")
    assert "<script>" not in hostile and "<b>" not in hostile and "Open Aftersales" in hostile
