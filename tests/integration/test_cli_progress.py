"""Long command-line work shows progress: `shops backfill` and `shops reconcile` on both platforms
print lines on stderr as orders and pages go by, and their counts on stdout."""
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app.extensions import db
from app.models import Order
from app.progress_lines import ProgressLines
from tests.integration.test_shopify_admin import DOMAIN, connected_shop, fake_shopify  # noqa: F401 (fixtures)
from tests.support.fakes.shopify_orders import graphql_order
from tests.support.woocommerce_store import gmt, rest_order

SECONDS = r"\d+ s"


def _invoke(app, *args):
    result = app.test_cli_runner().invoke(args=["shops", *args])
    assert result.exit_code == 0, result.output
    return result.stderr.splitlines(), result.stdout.strip()


def _shopify_orders(fake, count: int) -> None:
    recent = datetime.now(timezone.utc) - timedelta(days=10)
    fake.shop(DOMAIN).orders = [
        graphql_order(3000 + n, (recent + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ"), name=f"#{n}",
                      email=f"c{n}@example.com") for n in range(count)]


def test_a_shopify_backfill_prints_orders_and_pages(app, connected_shop, fake_shopify):  # noqa: F811
    _shopify_orders(fake_shopify, 60)  # two pages of 50
    lines, out = _invoke(app, "backfill", str(connected_shop.id), "--progress-every", "25")
    assert (lines[0]
            == f"backfill: 60 orders updated since "
               f"{(datetime.now(timezone.utc) - timedelta(days=60)).date()}")
    assert [re.sub(SECONDS, "N s", line) for line in lines[1:]] == [
        "backfill: 25 of 60 orders, page 1, N s",
        "backfill: 50 of 60 orders, page 1, N s",
        "backfill: 60 of 60 orders, page 2, N s, done",
    ]
    assert out.startswith("backfill: applied 60, since ")
    assert len(db.session.scalars(select(Order)).all()) == 60


def test_a_shopify_reconcile_runs_one_pass_from_the_cursor(app, connected_shop, fake_shopify):  # noqa: F811
    _shopify_orders(fake_shopify, 3)
    lines, out = _invoke(app, "reconcile", str(connected_shop.id))
    assert [re.sub(SECONDS, "N s", line) for line in lines] == ["reconcile: 3 orders, page 1, N s, done"]
    # installed_at − overlap; Shopify re-reads nothing and its webhooks come from the app TOML
    assert re.fullmatch(r"reconcile: applied 3, since 2026-10-31T23:55:00\+00:00, rechecked 0, "
                        r"created none, reenabled none", out), out
    lines, out = _invoke(app, "reconcile", str(connected_shop.id))  # the cursor moved: the same 3 again
    assert out.startswith("reconcile: applied 3, since ") and "2026-10-31" not in out


def _store_orders(fake_store, count: int) -> None:
    modified = datetime.now(timezone.utc) - timedelta(days=3)
    for n in range(count):
        fake_store.put_order(rest_order(5000 + n, placed=modified), gmt(modified + timedelta(minutes=n)))


def test_a_woocommerce_backfill_prints_orders_and_pages(app, wc_store_shop, fake_store):
    _store_orders(fake_store, 105)  # two pages of 100
    lines, out = _invoke(app, "backfill", str(wc_store_shop.id), "--days", "7", "--progress-every", "50")
    assert [re.sub(SECONDS, "N s", line) for line in lines] == [
        "backfill: 50 orders, page 1, N s",
        "backfill: 100 orders, page 1, N s",
        "backfill: 105 orders, page 2, N s, done",
    ]
    assert out.startswith("backfill: applied 105, since ")
    assert len(db.session.scalars(select(Order)).all()) == 105
    assert fake_store.calls("POST", "webhooks") == []  # a backfill only loads orders


def test_a_woocommerce_reconcile_is_the_same_pass_with_its_counts(app, wc_store_shop, fake_store):
    modified = datetime.now(timezone.utc) - timedelta(minutes=5)
    for n in range(2):
        fake_store.put_order(rest_order(6000 + n), gmt(modified))
    lines, out = _invoke(app, "reconcile", str(wc_store_shop.id))
    assert [re.sub(SECONDS, "N s", line) for line in lines] == ["reconcile: 2 orders, page 1, N s, done"]
    assert re.fullmatch(r"reconcile: applied 2, since \S+, rechecked 0, created order\.\S+, "
                        r"reenabled none", out), out
    assert len(fake_store.calls("POST", "webhooks")) >= 1  # the sync repairs webhooks too


def test_an_unknown_shop_or_a_skipped_pass_is_an_error(app, wc_store_shop):
    result = app.test_cli_runner().invoke(args=["shops", "reconcile", "999999"])
    assert result.exit_code == 1 and "no shop 999999" in result.stderr
    wc_store_shop.api_key = None
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["shops", "backfill", str(wc_store_shop.id)])
    assert result.exit_code == 1 and "backfill: shop gone, disconnected or without keys" in result.stderr


def test_a_line_every_n_items_or_every_few_seconds_whichever_first():
    now, lines = [0.0], []
    progress = ProgressLines("scale: seeding", unit="orders", total=50_000, every=20_000, seconds=5,
                             clock=lambda: now[0], echo=lines.append)
    progress(1_000)
    now[0] = 6.0
    progress(1_000)  # 6 s since the start: a line though only 2,000 are done
    progress(18_000)  # 20,000 in all, but only 18,000 since the last line: none
    progress(2_000)
    progress.done()
    assert lines == ["scale: seeding: 2,000 of 50,000 orders, 6 s",
                     "scale: seeding: 22,000 of 50,000 orders, 6 s",
                     "scale: seeding: 22,000 of 50,000 orders, 6 s, done"]
