"""Our order webhooks in a store: create what is missing, re-enable what WooCommerce disabled.

WooCommerce never retries a delivery and sets a webhook to `disabled` after more than 5
consecutive failures; `paused` is the merchant's choice, but a webhook of ours that does
not deliver is a gap either way. Idempotent: existing webhooks are matched by topic and
delivery URL, so running this on every connect and every health check is safe.
"""
from __future__ import annotations

from connectors.base import WebhookRepair
from connectors.woocommerce.client import WooClient

TOPICS = ("order.created", "order.updated", "order.deleted", "order.restored")


def _same_url(a: str | None, b: str) -> bool:
    return (a or "").strip().rstrip("/") == b.rstrip("/")


def ensure_webhooks(client: WooClient, delivery_url: str, secret: str, app_name: str,
                    stale_prefix: str | None = None) -> WebhookRepair:
    """Make sure each topic has one active webhook to `delivery_url` signed with `secret`.

    Webhooks under `stale_prefix` (our webhook address for this platform) that point at
    another shop key are left-overs of an earlier connection of this store: removed.
    """
    repair = WebhookRepair()
    existing = []
    for hook in client.webhooks():
        url = (hook.get("delivery_url") or "").strip()
        if _same_url(url, delivery_url):
            existing.append(hook)
        elif stale_prefix and url.startswith(stale_prefix):
            client.request("DELETE", f"webhooks/{int(hook['id'])}", {"force": "true"})
            repair.removed.append(url)
    for topic in TOPICS:
        mine = [w for w in existing if w.get("topic") == topic]
        active = next((w for w in mine if w.get("status") == "active"), None)
        if active is not None:
            repair.healthy.append(topic)
        elif mine:  # disabled or paused: re-enable, and re-send our current secret with it
            client.update_webhook(mine[0]["id"], status="active", secret=secret)
            repair.reenabled.append(topic)
        else:
            client.create_webhook(f"{app_name} {topic}", topic, delivery_url, secret)
            repair.created.append(topic)
    return repair
