"""Recommendations: bought together in the shop's own orders, never an item of the order,
best sellers as the fallback, removed products skipped; the table a job keeps per shop."""
import json
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from app.domain.followups.recommendations import (
    Recommendable,
    count_baskets,
    derived_table,
    product_link,
    recommend,
)
from app.domain.shop.modules import module_derived
from app.extensions import db, queues
from app.jobs.recommendations import refresh_recommendations
from app.links.tracking_page import tracking_token
from app.models import Customer, Order, OrderLine, Shop
from app.presenters import order_status
from app.read_model.from_orm import order_view
from connectors.shopify.graphql_mapping import order_from_graphql
from connectors.shopify.mapping import parse_webhook
from connectors.woocommerce.mapping import catalogue_product
from tests.support.click_links import target_of
from tests.support.factories import set_module
from tests.support.fakes.shopify_admin import FakeShopify
from tests.support.fakes.shopify_orders import graphql_order
from tests.support.payload_files import load_payload
from tests.support.periodic_ticks import tick
from tests.support.sql_statements import assert_view_costs

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
# Nine orders of a small shop; "cap" sold once, alone.
BASKETS = [{"shirt", "tie"}, {"shirt", "tie"}, {"shirt", "belt"}, {"shirt", "socks"}, {"tie", "belt"},
           {"socks"}, {"socks"}, {"cap"}, {"shirt"}]
TITLES = {"shirt": "Shirt", "tie": "Tie", "belt": "Belt", "socks": "Socks", "cap": "Cap"}


def catalogue(*removed: str) -> dict:
    return {p: Recommendable(t, f"https://shop.example/products/{p}") for p, t in TITLES.items() if p not
            in removed}


def table(*removed: str) -> dict:
    orders, pairs = count_baskets(BASKETS)
    return derived_table(orders, pairs, catalogue(*removed), NOW, "platform")


def picks(items: list[dict]) -> list[tuple[str, str]]:
    return [(item["product_id"], item["reason"]) for item in items]


def test_co_purchases_are_counted_per_order_and_pair():
    orders, pairs = count_baskets(BASKETS + [["shirt", "shirt", None, "tie"]])  # a line twice counts once
    assert orders == Counter({"shirt": 6, "tie": 4, "socks": 3, "belt": 2, "cap": 1})
    assert pairs == Counter({("shirt", "tie"): 3, ("belt", "shirt"): 1, ("shirt", "socks"): 1,
                             ("belt", "tie"): 1})


def test_the_stored_table_is_ranked_and_compact():
    stored = table()
    assert [p[0] for p in stored["products"]] == ["shirt", "socks", "tie", "belt", "cap"]
    assert stored["products"][0] == ["shirt", "Shirt", "https://shop.example/products/shirt"]
    # Partners by index into products: most often together first, then the more popular.
    assert stored["pairs"] == {"belt": [[0, 1], [2, 1]], "shirt": [[2, 2], [1, 1], [3, 1]],
                               "socks": [[0, 1]], "tie": [[0, 2], [3, 1]]}
    assert json.loads(json.dumps(stored)) == stored


def test_bought_together_first_then_best_sellers():
    assert picks(recommend(table(), ["shirt"], 4)) == [
        ("tie", "bought_together"), ("socks", "bought_together"), ("belt", "bought_together"),
        ("cap", "best_seller")]


def test_never_an_item_already_in_the_order():
    # shirt + tie: belt was bought with both (2), socks with shirt (1); shirt and tie themselves never.
    assert picks(recommend(table(), ["shirt", "tie"], 4)) == [
        ("belt", "bought_together"), ("socks", "bought_together"), ("cap", "best_seller")]


def test_unknown_products_fall_back_to_best_sellers():
    assert picks(recommend(table(), ["hat"], 3)) == [
        ("shirt", "best_seller"), ("socks", "best_seller"), ("tie", "best_seller")]
    assert recommend(table(), ["hat"], 3, best_sellers=False) == []
    assert picks(recommend(table(), ["cap"], 2)) == [("shirt", "best_seller"), ("socks", "best_seller")]


def test_removed_products_are_skipped_but_still_lead_to_their_partners():
    without_tie = table("tie")
    assert [p[0] for p in without_tie["products"]] == ["shirt", "socks", "belt", "cap"]
    assert picks(recommend(without_tie, ["shirt"], 4)) == [
        ("socks", "bought_together"), ("belt", "bought_together"), ("cap", "best_seller")]
    # An order holding the removed tie still gets what was bought with it.
    assert picks(recommend(without_tie, ["tie"], 2)) == [("shirt", "bought_together"),
                                                         ("belt", "bought_together")]


@pytest.mark.parametrize("stored", [None, {}, {"version": 2}, {"version": 1, "products": "x", "pairs": {}},
                                    {"version": 1, "products": [["a", "A", "javascript:alert(1)"], ["b"]],
                                     "pairs": {"z": [[0, 1], [9, 9], "x", [True, 1]]}}])
def test_a_missing_or_damaged_table_recommends_nothing(stored):
    assert recommend(stored, ["z"], 4) == []


def test_links_from_what_the_lines_know():
    assert product_link("shopify", "laden.myshopify.com", "1", "leinen hemd", "2") == \
        "https://laden.myshopify.com/products/leinen%20hemd"
    assert product_link("shopify", "laden.myshopify.com", "1", None, "39072856") == \
        "https://laden.myshopify.com/variants/39072856"
    assert product_link("shopify", "laden.myshopify.com", "1", None, None) is None
    assert product_link("woocommerce", "https://laden.example/",
                        "93") == "https://laden.example/?post_type=product&p=93"


# The connectors bring what a link and the removal check need.


def test_shopify_lines_say_whether_the_product_still_exists():
    lines = parse_webhook("orders/create", load_payload("shopify/orders_create.json")).lines
    assert [(line.product_id, line.product_exists, line.product_handle) for line in lines] == [
        ("788032119674292922", True, None), (None, False, None), (None, False, None),
        ("788032119674292922", True, None), ("788032119674292922", True, None)]  # REST names no handle
    node = graphql_order(450789469, "2026-11-21T08:00:00Z")
    node["lineItems"]["nodes"].append({"id": "gid://shopify/LineItem/2", "title": "Gone", "quantity": 1,
                                       "product": None, "variant": None})
    graphql_lines = order_from_graphql(node).lines
    assert [(line.product_id, line.product_handle, line.product_exists) for line in graphql_lines] == [
        ("632910392", "leinenhemd", True), (None, None, False)]


def test_woocommerce_products_say_whether_they_can_be_bought():
    product = {"id": 93, "name": "Kaffee", "permalink": "https://laden.example/produkt/kaffee/",
               "status": "publish",
               "purchasable": True, "stock_status": "instock", "catalog_visibility": "visible"}
    assert catalogue_product(product).url == "https://laden.example/produkt/kaffee/"
    assert catalogue_product(product).available
    for change in ({"status": "draft"}, {"stock_status": "outofstock"}, {"purchasable": False},
                   {"catalog_visibility": "hidden"}):
        assert not catalogue_product({**product, **change}).available
    assert catalogue_product({**product, "permalink": "javascript:x"}).url is None


# The job: the shop's own orders → the table on the module row → the block.


def add_orders(shop, baskets, removed=(), first_id=100):
    """One order per basket (product ids), made `NOW - n hours` ago; `removed`: lines say gone."""
    customer = Customer(shop_id=shop.id, email="kundin@example.com", locale="de")
    orders = []
    for n, basket in enumerate(baskets):
        order = Order(shop_id=shop.id, platform_order_id=str(first_id + n), name=f"#{first_id + n}",
                      customer=customer,
                      placed_at=datetime.now(timezone.utc) - timedelta(hours=len(baskets) - n),
                      created_at=datetime.now(timezone.utc) - timedelta(hours=len(baskets) - n))
        for m, product in enumerate(sorted(basket)):
            order.lines.append(OrderLine(platform_line_id=f"{n}-{m}", title=TITLES.get(product, product),
                                         quantity=1,
                                         product_id=product, variant_id=f"v-{product}",
                                         product_exists=False if product in removed else None))
        db.session.add(order)
        orders.append(order)
    db.session.commit()
    return orders


@pytest.fixture
def woo_shop(app):
    """A WooCommerce shop without REST keys: the job can only go by the order lines."""
    shop = Shop(platform="woocommerce", domain="https://laden.example", name="Laden")
    db.session.add(shop)
    db.session.commit()
    set_module(shop, "recommendations", max_items=3)
    db.session.commit()
    return shop


def stored_table(shop_id: int) -> dict:
    db.session.expire_all()
    return module_derived(db.session.get(Shop, shop_id), "recommendations")


def test_the_job_stores_the_table_and_the_block_shows_it(client, woo_shop):
    token = tracking_token(add_orders(woo_shop, BASKETS, removed={"cap"})[-1])  # the order of a lone shirt
    assert refresh_recommendations(woo_shop.id) == {"orders": 9, "products": 4, "source": "order_lines"}
    stored = stored_table(woo_shop.id)
    assert [p[0] for p in stored["products"]] == ["shirt", "socks", "tie", "belt"]  # the cap was removed
    assert stored["products"][1] == ["socks", "Socks", "https://laden.example/?post_type=product&p=socks"]
    facts = client.get(f"/t/{token}.json").get_json()
    assert [(i["title"], i["reason"]) for i in facts["modules"]["recommendations"]["items"]] == [
        ("Tie", "bought_together"), ("Socks", "bought_together"), ("Belt", "bought_together")]
    page = client.get(f"/t/{token}").get_data(as_text=True)
    tie = facts["modules"]["recommendations"]["items"][0]["url"]
    assert target_of(tie) == "https://laden.example/?post_type=product&p=tie"
    assert f'<a href="{tie}" rel="noopener" target="_blank">Tie</a>' in page


def test_cancelled_orders_do_not_count(woo_shop):
    orders = add_orders(woo_shop, [{"shirt", "tie"}, {"shirt", "belt"}])
    orders[0].cancelled_at = datetime.now(timezone.utc)
    db.session.commit()
    refresh_recommendations(woo_shop.id)
    assert stored_table(woo_shop.id)["pairs"] == {"belt": [[1, 1]], "shirt": [[0, 1]]}


def test_switched_off_shops_are_neither_refreshed_nor_shown(client, woo_shop):
    order_id = add_orders(woo_shop, BASKETS)[-1].id
    refresh_recommendations(woo_shop.id)
    assert "recommendations" in order_status(order_view(db.session.get(Order, order_id)))["modules"]
    set_module(db.session.get(Shop, woo_shop.id), "recommendations", enabled=False)
    db.session.commit()
    assert (refresh_recommendations(woo_shop.id)
            == {"skipped": "shop gone, uninstalled or recommendations off"})
    assert tick("recommendation_refreshes") == 0
    assert "recommendations" not in order_status(order_view(db.session.get(Order, order_id)))["modules"]


def test_the_periodic_tick_refreshes_each_shop_once_per_interval(app, woo_shop, run_jobs):
    add_orders(woo_shop, BASKETS)
    assert tick("recommendation_refreshes") == 1
    assert tick("recommendation_refreshes") == 0  # the interval's lock is taken
    run_jobs()
    assert stored_table(woo_shop.id)["source"] == "order_lines"
    queues.redis.flushdb()
    assert tick("recommendation_refreshes") == 1


def test_a_view_with_recommendations_survey_and_newsletter_costs_three_queries_then_one(client, woo_shop):
    url = f"/t/{tracking_token(add_orders(woo_shop, BASKETS)[-1])}.json"
    refresh_recommendations(woo_shop.id)
    shop = db.session.get(Shop, woo_shop.id)
    set_module(shop, "survey", before_delivery=True)
    set_module(shop, "newsletter")
    set_module(shop, "recommendations", max_items=3)
    db.session.commit()
    db.session.remove()
    # The fingerprint, the order with all its parts, the modules with their derived tables.
    facts = assert_view_costs(lambda: client.get(url), first=3).get_json()
    assert {"recommendations", "survey", "newsletter"} <= set(facts["modules"])


# The platform's catalogue, when it answers, decides what can still be shown.

SHOPIFY_DOMAIN = "johns-apparel.myshopify.com"


def _shopify_product(pid: str, status="ACTIVE", available=True, url=True) -> dict:
    return {"id": f"gid://shopify/Product/{pid}", "title": f"Produkt {pid}", "handle": f"produkt-{pid}",
            "status": status,
            "onlineStoreUrl": f"https://johns-apparel.de/products/produkt-{pid}" if url else None,
            "featuredMedia": None,
            "variants": {"nodes": [{"id": f"gid://shopify/ProductVariant/{pid}1",
                                    "availableForSale": available,
                                    "price": "10.00"}]}}


@pytest.fixture
def shopify_shop(app, shop):
    fake = FakeShopify().start()
    app.config["SHOPIFY_API_ORIGIN"] = fake.origin
    tokens = fake.issue_tokens(SHOPIFY_DOMAIN)
    shop.access_token, shop.refresh_token = tokens["access_token"], tokens["refresh_token"]
    shop.access_token_expires_at = datetime.now(timezone.utc) + timedelta(hours=1)
    set_module(shop, "recommendations")
    db.session.commit()
    yield shop, fake.shop(SHOPIFY_DOMAIN)
    fake.stop()


def test_shopify_catalogue_skips_archived_sold_out_and_deleted_products(shopify_shop):
    shop, store = shopify_shop
    add_orders(shop, [{"1", "2", "3", "4", "5"}, {"1", "2"}])
    store.products = {p["id"]: p for p in (
        _shopify_product("1"), _shopify_product("2", url=False), _shopify_product("3", status="ARCHIVED"),
        _shopify_product("4", available=False))}  # 5 was deleted
    shop_id = shop.id
    assert refresh_recommendations(shop_id)["source"] == "platform"
    assert stored_table(shop_id)["products"] == [
        ["1", "Produkt 1", "https://johns-apparel.de/products/produkt-1"],
        # not in the online store: by handle
        ["2", "Produkt 2", f"https://{SHOPIFY_DOMAIN}/products/produkt-2"]]


def test_woocommerce_catalogue_gives_permalinks_and_leaves_out_the_rest(app, wc_store_shop, fake_store):
    set_module(wc_store_shop, "recommendations")
    add_orders(wc_store_shop, [{"10", "11", "12"}, {"10", "11"}])
    base = {"status": "publish", "purchasable": True, "stock_status": "instock",
            "catalog_visibility": "visible"}
    fake_store.state.products = {
        10: {**base, "id": 10, "name": "Filterkaffee",
             "permalink": f"{fake_store.store_url}/produkt/filterkaffee/"},
        11: {**base, "id": 11, "name": "Entwurf", "status": "draft",
             "permalink": f"{fake_store.store_url}/?p=11"}}
    shop_id = wc_store_shop.id
    assert refresh_recommendations(shop_id)["source"] == "platform"
    assert stored_table(shop_id)["products"] == [["10", "Filterkaffee",
                                                  f"{fake_store.store_url}/produkt/filterkaffee/"]]
    assert fake_store.calls("GET", "products")[0][2]["include"] == "10,11,12"  # 12 was deleted
