"""Admin sign-in: Shopify id tokens and WooCommerce one-use login links, and their refusals."""
import time

from app.extensions import db
from app.models import Shop
from tests.support.admin_sessions import SHOPIFY_DOMAIN, bearer, csrf_token, id_token, login_link

PAGES = ("/admin/", "/admin/modules", "/admin/content", "/admin/legal", "/admin/privacy", "/admin/previews")


def test_login_link_sets_a_secure_cross_site_session_and_opens_every_page(client, wc_shop):
    response = client.get(login_link(wc_shop))
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=None" in cookie
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["Content-Security-Policy"] == "frame-ancestors 'self' https://laden.example;"
        assert b"app-bridge.js" not in page.data


def test_login_link_works_once(client, wc_shop):
    link = login_link(wc_shop)
    assert client.get(link).status_code == 303
    again = client.application.test_client().get(link)
    assert again.status_code == 403 and b"already used" in again.data


def test_expired_login_link_is_refused(client, wc_shop):
    response = client.get(login_link(wc_shop, now=time.time() - 600))
    assert response.status_code == 401 and b"expired" in response.data
    assert client.get("/admin/").status_code == 401


def test_login_link_made_ahead_of_our_clock_is_refused(client, wc_shop):
    # The app, not the link, says how long a link lives; one dated ahead would outlive five minutes.
    response = client.get(login_link(wc_shop, now=time.time() + 3600))
    assert response.status_code == 401 and b"longer than five minutes" in response.data


def test_login_link_signed_with_another_shops_secret_is_forbidden(client, wc_shop):
    other = Shop(platform="woocommerce", domain="https://other.example", webhook_secret="other-secret")
    db.session.add(other)
    db.session.commit()
    response = client.get(login_link(wc_shop, secret="other-secret"))
    assert response.status_code == 403 and b"not signed by your shop" in response.data


def test_login_link_without_token_or_mangled_is_unauthorized(client, wc_shop):
    assert client.get("/admin/login").status_code == 401
    assert client.get("/admin/login?token=bm90LWpzb24.abc").status_code == 401


def test_admin_without_any_sign_in_is_unauthorized(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 401 and b"Open the app from your shop" in response.data


def test_session_for_one_shop_cannot_address_another(wc_admin):
    assert wc_admin.get("/admin/modules?shop_key=someone-else").status_code == 403


def test_uninstalled_shop_loses_its_session(wc_admin, wc_shop):
    from datetime import datetime, timezone

    wc_shop.uninstalled_at = datetime.now(timezone.utc)
    db.session.commit()
    assert wc_admin.get("/admin/").status_code == 403


def test_shopify_fetch_with_id_token_opens_pages_with_the_shops_frame_policy(client, shop):
    for path in PAGES:
        response = client.get(path, headers=bearer())
        assert response.status_code == 200, path
        assert response.headers["Content-Security-Policy"] == \
            f"frame-ancestors https://{SHOPIFY_DOMAIN} https://admin.shopify.com;"
        assert b'name="shopify-api-key" content="test-client-id"' in response.data
        assert b"app-bridge.js" in response.data and b"polaris.js" in response.data


def test_shopify_document_load_carries_the_id_token_in_the_query(client, shop):
    response = client.get("/admin/modules", query_string={"shop": SHOPIFY_DOMAIN, "host": "YWRtaW4",
                                                           "embedded": "1", "id_token": id_token()})
    assert response.status_code == 200
    # Links keep shop and host so the next load can fetch a fresh token through App Bridge.
    assert b"/admin/legal?shop=johns-apparel.myshopify.com&amp;host=YWRtaW4&amp;embedded=1" in response.data


def test_shopify_document_load_without_token_bounces_for_a_fresh_one(client, shop):
    response = client.get("/admin/modules",
                          query_string={"shop": SHOPIFY_DOMAIN, "host": "YWRtaW4", "embedded": "1"})
    assert response.status_code == 302 and "/shopify/patch-id-token" in response.headers["Location"]


def test_shopify_expired_id_token_is_unauthorized_with_retry_hint(client, shop):
    response = client.get("/admin/modules", headers=bearer(id_token(lifetime=-300)))
    assert response.status_code == 401
    assert response.headers.get("X-Shopify-Retry-Invalid-Session-Request") == "1"


def test_shopify_forged_id_token_is_unauthorized(client, shop):
    assert client.get("/admin/modules", headers=bearer(id_token(secret="not-ours"))).status_code == 401


def test_shopify_id_token_of_another_shop_is_forbidden(client, shop):
    token = id_token(domain="someone-else.myshopify.com")
    response = client.get(f"/admin/modules?shop={SHOPIFY_DOMAIN}", headers=bearer(token))
    assert response.status_code == 403 and b"belongs to someone-else.myshopify.com" in response.data


def test_shopify_post_without_bearer_is_unauthorized(client, shop):
    response = client.post(f"/admin/modules/reorder?shop={SHOPIFY_DOMAIN}&embedded=1", data={"enabled": ""})
    assert response.status_code == 401 and b"Authorization: Bearer" in response.data


def test_shopify_app_home_shows_the_overview(client, shop):
    response = client.get("/shopify/app",
                          query_string={"shop": SHOPIFY_DOMAIN, "host": "YWRtaW4", "embedded": "1",
                                                         "id_token": id_token(), "locale": "en"})
    assert response.status_code == 200 and b"Last webhook deliveries" in response.data


def test_csrf_token_is_per_session(client, wc_shop):
    client.get(login_link(wc_shop))
    first = csrf_token(client)
    other = client.application.test_client()
    other.get(login_link(wc_shop))
    assert csrf_token(other) != first
    assert other.post("/admin/modules/reorder", data={"csrf_token": first}).status_code == 403


def test_refusals_speak_the_merchants_language(client, wc_shop):
    """Before anyone is signed in, the language comes from what the request carries: the
    WordPress user's locale in a refused login link, Shopify's `locale`, the browser's."""
    used = login_link(wc_shop, locale="de_DE")
    assert client.get(used).status_code == 303
    again = client.application.test_client().get(used)
    page = again.get_data(as_text=True)
    assert again.status_code == 403 and '<html lang="de">' in page
    assert "<h1>Nicht erlaubt</h1>" in page and "Dieser Anmeldelink wurde schon benutzt." in page
    assert "in WordPress unter WooCommerce → Aftersales" in page
    expired = client.application.test_client().get(login_link(wc_shop, now=time.time() - 600, locale="de_DE"))
    assert (expired.status_code == 401 and "Dieser Anmeldelink ist abgelaufen."
            in expired.get_data(as_text=True))

    stranger = client.application.test_client()
    german_browser = stranger.get("/admin/", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert german_browser.status_code == 401
    assert "<h1>Nicht angemeldet</h1>" in german_browser.get_data(as_text=True)
    english_browser = stranger.get("/admin/", headers={"Accept-Language": "en-US,en;q=0.8"})
    assert "<h1>Not signed in</h1>" in english_browser.get_data(as_text=True)
    assert "You are not signed in" in english_browser.get_data(as_text=True)
    # Shopify's locale wins over the browser's.
    shopify = stranger.post(f"/admin/content?shop={SHOPIFY_DOMAIN}&locale=de-DE",
                            headers={"Accept-Language": "en"})
    assert shopify.status_code == 401 and "ID-Token von App Bridge" in shopify.get_data(as_text=True)
