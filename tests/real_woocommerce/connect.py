"""Check: the store connects through our /woocommerce/connect and gets our four webhooks."""
from __future__ import annotations

import html
import re

import httpx

from tests.real_woocommerce.our_app import App
from tests.real_woocommerce.progress import Failed, note, step, wait_for
from tests.real_woocommerce.settings import APP_URL, SITE
from tests.real_woocommerce.store import Store


def connect(store: Store, app: App) -> dict:
    step("connect: our /woocommerce/connect → the store's /wc-auth/v1/authorize → Approve as the admin")
    ours = httpx.Client(verify=False, timeout=30)
    r = ours.get(f"{APP_URL}/woocommerce/connect", params={"store_url": SITE}, follow_redirects=False)
    if r.status_code != 302:
        raise Failed(f"/woocommerce/connect: HTTP {r.status_code} {r.text[:200]}")
    wp = store.admin_session()
    r = wp.get(r.headers["Location"])
    m = re.search(r'href="([^"]*access_granted[^"]*)"', r.text)
    if not m:
        raise Failed(f"no Approve link on the grant screen (HTTP {r.status_code})")
    r = wp.get(html.unescape(m.group(1)), follow_redirects=False)
    back = r.headers.get("Location", "")
    note(f"Approve → HTTP {r.status_code}, back to {back.split('?')[0]}")
    if r.status_code != 302 or "success=1" not in back:
        raise Failed(f"the grant did not succeed: {r.status_code} {back[:200]}")
    page = ours.get(back)
    note(f"/woocommerce/connected → HTTP {page.status_code}: "
         f"{'Store connected' if 'Store connected' in page.text else page.text[:120]}")

    from sqlalchemy import select

    from app.extensions import db
    from app.models import Shop

    with app.flask.app_context():
        shop = db.session.scalars(select(Shop).where(Shop.platform == "woocommerce")).one()
        info = {"id": shop.id, "domain": shop.domain, "shop_key": shop.shop_key, "secret": shop.webhook_secret,
                "ck": shop.api_key, "cs": shop.api_secret}
        note(f"shop {shop.id} {shop.domain} keys {shop.api_key[:7]}… scopes={shop.scopes}")

    from connectors.woocommerce.client import WooClient

    def our_hooks():
        with WooClient(SITE, info["ck"], info["cs"]) as client:
            hooks = [h for h in client.webhooks() if info["shop_key"] in h.get("delivery_url", "")]
        return hooks if len(hooks) >= 4 and all(h["status"] == "active" for h in hooks) else None

    hooks = wait_for("the webhook setup job (four active webhooks on the store)", our_hooks, 60)
    note("store webhooks: " + ", ".join(sorted(h["topic"] for h in hooks)) + f" → {hooks[0]['delivery_url']}")
    return info
