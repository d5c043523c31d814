"""Check: the plugin's Connect button connects the store, and the plugin gets its settings.

As a merchant does it: in wp-admin, Settings → Aftersales → Connect (the plugin makes a
one-time claim) → our /woocommerce/connect → the store's /wc-auth/v1/authorize → Approve as
the admin → our /woocommerce/connected. Our worker proves the keys on the store, creates
the four webhooks and POSTs the shop key and secret to the plugin's REST route; nothing is
copied by hand.
"""
from __future__ import annotations

import html
import re

import httpx

from tests.real_woocommerce.our_app import App
from tests.real_woocommerce.progress import Failed, note, step, wait_for
from tests.real_woocommerce.settings import APP_URL, SITE
from tests.real_woocommerce.store import Store, settings_page


def connect(store: Store, app: App) -> dict:
    step("connect: wp-admin Connect → our /woocommerce/connect → the store's grant screen → Approve as the "
         "admin")
    wp = store.admin_session()
    page = settings_page(wp)
    form = re.search(r'value="aftersales_connect" />\s*<input type="hidden" (?:id="_wpnonce" '
                     r')?name="_wpnonce" '
                     r'value="([^"]+)"', page)
    if not form:
        raise Failed("no Connect form with a nonce on Settings → Aftersales")
    # One browser: WordPress's cookies and ours (our app's certificate is self-signed).
    browser = httpx.Client(verify=False, timeout=90, cookies=wp.cookies)
    r = browser.post(f"{SITE}/wp-admin/admin-post.php", follow_redirects=False, data={
        "action": "aftersales_connect", "_wpnonce": form.group(1),
        "_wp_http_referer": "/wp-admin/options-general.php?page=aftersales"})
    ours = r.headers.get("Location", "")
    if r.status_code != 303 or not ours.startswith(f"{APP_URL}/woocommerce/connect?") or "claim=" not in ours:
        raise Failed(f"Connect → HTTP {r.status_code} {ours[:200]}")
    r = browser.get(ours, follow_redirects=False)
    if r.status_code != 302:
        raise Failed(f"/woocommerce/connect: HTTP {r.status_code} {r.text[:200]}")
    r = browser.get(r.headers["Location"])
    m = re.search(r'href="([^"]*access_granted[^"]*)"', r.text)
    if not m:
        raise Failed(f"no Approve link on the grant screen (HTTP {r.status_code})")
    r = browser.get(html.unescape(m.group(1)), follow_redirects=False)
    back = r.headers.get("Location", "")
    note(f"Approve → HTTP {r.status_code}, back to {back.split('?')[0]}")
    if r.status_code != 302 or "success=1" not in back:
        raise Failed(f"the grant did not succeed: {r.status_code} {back[:200]}")

    def connected():
        text = browser.get(back).text
        return text if "Store connected" in text or "Not connected" in text else None

    text = wait_for("our /woocommerce/connected to say the keys were proven", connected, 60)
    if "nothing to copy" not in text:
        raise Failed("the connection finished without the plugin being set up: "
                     + re.sub(r"<[^>]+>", " ", text)[:300])
    note("/woocommerce/connected → Store connected; the plugin was set up server to server")

    from sqlalchemy import select

    from app.extensions import db
    from app.models import Shop

    with app.flask.app_context():
        shop = db.session.scalars(select(Shop).where(Shop.platform == "woocommerce")).one()
        info = {"id": shop.id, "domain": shop.domain, "shop_key": shop.shop_key,
                "secret": shop.webhook_secret,
                "ck": shop.api_key, "cs": shop.api_secret}
        note(f"shop {shop.id} {shop.domain} keys {shop.api_key[:7]}… scopes={shop.scopes}")
    stored = store.php("echo get_option('aftersales_shop_key'), ' ', get_option('aftersales_secret') === '"
                       + info["secret"] + "' ? 'secret ok' : 'secret differs';")
    if stored != f"{info['shop_key']} secret ok":
        raise Failed(f"the plugin's settings are not the shop's: {stored}")
    note(f"plugin options: shop key {info['shop_key']}, secret as the app holds it")

    from connectors.woocommerce.client import WooClient

    def our_hooks():
        with WooClient(SITE, info["ck"], info["cs"], allow_loopback=True) as client:
            hooks = [h for h in client.webhooks() if info["shop_key"] in h.get("delivery_url", "")]
        return hooks if len(hooks) >= 4 and all(h["status"] == "active" for h in hooks) else None

    hooks = wait_for("the webhook setup job (four active webhooks on the store)", our_hooks, 60)
    note("store webhooks: " + ", ".join(sorted(h["topic"] for h in hooks)) + f" → {hooks[0]['delivery_url']}")
    return info
