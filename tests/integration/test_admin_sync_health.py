"""The overview's connection panel: the last sync verdict in plain words, and what to do."""
from datetime import datetime, timezone
from html import unescape

import pytest

from app.domain.shop.connection_health import woocommerce_health
from app.extensions import db
from tests.support.admin_sessions import bearer

SYNCED = datetime(2026, 12, 1, 8, 30, tzinfo=timezone.utc)


def _panel(client, shop, verdict):
    shop.sync_health, shop.last_synced_at = verdict, SYNCED
    db.session.commit()
    page = unescape(client.get("/admin/").get_data(as_text=True))
    start = page.index('id="sync-health"')
    return page[start:page.index("</div>\n", page.index("Last check", start))]


@pytest.mark.parametrize("verdict,family,words,todo", [
    ("ok: 3 polled, 0 rechecked; webhooks 4 active", "ok", "Connected and in step", None),
    ("healed: 1 polled, 0 rechecked; webhooks 3 active; re-enabled order.updated", "healed",
     "set them up again and fetched the orders they missed", "Nothing to do"),
    ("connected: setting up webhooks", "connected", "setting up the store's webhooks now", None),
    ("store_unreachable: HTTP 503", "store_unreachable", "The store's server had an error (HTTP 503)",
     "Check that the store is online"),
    ("store_unreachable: HTTP 404", "store_unreachable", "not found", "Settings → Permalinks"),
    ("store_unreachable: unexpected answer (HTTP 302)", "store_unreachable", "a redirect to another address",
     "Permalinks"),
    ("store_unreachable: no answer", "store_unreachable", "did not answer at all",
     "Check that the store is online"),
    ("store_unreachable: the store's address is not public", "store_unreachable",
     "leads to a private network",
     "Connect the store from its public address"),
    ("keys_refused: HTTP 401", "keys_refused", "Your store refused the app's API keys", "press Connect"),
])
def test_each_sync_verdict_reads_in_plain_words_with_what_to_do(wc_admin, wc_shop, verdict, family, words,
                                                                todo):
    panel = _panel(wc_admin, wc_shop, verdict)
    assert f'data-health="{family}"' in panel and words in panel
    assert "1 Dec 2026, 08:30 UTC" in panel and verdict in panel  # the raw verdict, for support
    if todo:
        assert "What to do:" in panel and todo in panel
    else:
        assert "What to do:" not in panel
    assert ('role="alert"' in panel) == (family in ("store_unreachable", "keys_refused"))


def test_a_shop_never_synced_says_so(wc_admin, wc_shop):
    page = wc_admin.get("/admin/").get_data(as_text=True)
    assert 'data-health="none"' in page and "No check has run yet" in page and "Last check: none yet" in page


def test_an_unknown_verdict_is_shown_as_it_is():
    health = woocommerce_health("something_new: HTTP 418")
    assert (health.family, health.tone) == ("unknown",
                                            "warn") and "something_new: HTTP 418" in health.headline


def test_shopify_access_in_plain_words(client, shop):
    page = unescape(client.get("/admin/?locale=en", headers=bearer()).get_data(as_text=True))
    assert 'data-health="ok"' in page and "Shopify accepts the app's access" in page
    assert "Last check: none yet" in page  # reconciliation has not run for this shop yet


def test_shopify_not_answering_the_sync_is_shopifys_trouble_not_the_merchants(client, shop):
    """Reconciliation writes the same verdicts for Shopify shops; a 503 there is Shopify's."""
    shop.sync_health, shop.last_synced_at = "store_unreachable: HTTP 503", SYNCED
    db.session.commit()
    page = unescape(client.get("/admin/?locale=en", headers=bearer()).get_data(as_text=True))
    assert 'data-health="store_unreachable"' in page and '<s-banner tone="warning"' in page
    assert "Shopify did not answer the app's last check (HTTP 503)" in page
    assert "www.shopifystatus.com" in page and "Check that the store is online" not in page
    assert "1 Dec 2026, 08:30 UTC" in page
    german = unescape(client.get("/admin/?locale=de", headers=bearer()).get_data(as_text=True))
    assert "Shopify hat auf die letzte Prüfung der App nicht geantwortet (HTTP 503)" in german
    shop.sync_health = "ok: 3 polled, 0 rechecked; webhooks 4 active"
    db.session.commit()
    healthy = unescape(client.get("/admin/?locale=en", headers=bearer()).get_data(as_text=True))
    assert 'data-health="ok"' in healthy and "ok: 3 polled" in healthy


def test_a_refused_shopify_renewal_says_when_and_what_to_do():
    from app.domain.shop.connection_health import shopify_health

    health = shopify_health(datetime(2026, 12, 2, 9, 15, tzinfo=timezone.utc))
    assert health.tone == "bad" and "on 2 Dec 2026, 09:15 UTC" in health.headline
    assert "Open the app again from your Shopify admin" in health.advice
    german = shopify_health(datetime(2026, 12, 2, 9, 15, tzinfo=timezone.utc), "de")
    assert "am 2. Dez. 2026, 09:15 UTC" in german.headline and "Öffne die App erneut" in german.advice


def test_the_sync_verdict_reads_in_german_for_a_german_admin():
    health = woocommerce_health("store_unreachable: HTTP 503", "de")
    assert "Der Server des Shops hatte einen Fehler (HTTP 503)" in health.headline
    assert health.advice.endswith("und holt die verpassten Bestellungen nach.")
