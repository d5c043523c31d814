"""Least privilege: the app requests exactly the Admin API scopes its code uses.

shopify.app.toml (what merchants grant on install) and connectors/shopify/scopes.py (the app's
own list) name the same scopes; each is justified by calls in the code (JUSTIFIED_BY); every
webhook topic subscribed to and every GraphQL field that needs a scope has it; and nothing
the app does needs a scope it does not request. The one write scope, `write_discounts`, is
for unique vouchers (discountCodeBasicCreate), which app/clients/vouchers.py calls.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

from connectors.shopify import admin
from connectors.shopify.mapping import FULFILLMENT_TOPICS, ORDER_TOPICS
from connectors.shopify.scopes import SCOPES

ROOT = Path(__file__).resolve().parents[2]
APP_TOML = ROOT / "theme_blocks/shopify/shopify.app.toml"

# scope → (module, the call or query text in it that needs the scope)
JUSTIFIED_BY = {
    "read_orders": [
        ("connectors/shopify/admin.py", "orders(first: 50"),         # reconciliation, backfill
        ("connectors/shopify/admin.py", "ordersCount("),             # backfill progress
        ("app/jobs/reconcile.py", ".orders_updated_since("),
        ("app/cli.py", ".count_orders_updated_since("),
        ("connectors/shopify/mapping.py", '"orders/create"'),        # order and refund webhooks
        ("connectors/shopify/mapping.py", '"refunds/create"'),
    ],
    "read_fulfillments": [
        ("connectors/shopify/mapping.py", '"fulfillments/create"'),  # tracking numbers, status
        ("connectors/shopify/mapping.py", '"fulfillment_events/create"'),  # carrier events
    ],
    "read_products": [
        ("connectors/shopify/admin.py", "... on Product {"),         # nodes(ids:) for recommendations
        ("connectors/shopify/admin.py", "self.products("),           # the catalogue's lookup
        ("app/jobs/recommendations.py", ".catalogue("),
    ],
    "read_customers": [
        ("connectors/shopify/admin.py", "customer { id defaultEmailAddress { marketingState } }"),
        ("connectors/shopify/graphql_mapping.py", 'node.get("customer")'),
    ],
    "write_discounts": [
        ("connectors/shopify/admin.py", "discountCodeBasicCreate(basicCodeDiscount:"),
        ("app/clients/platforms.py", ".create_voucher("),                    # the Shopify voucher maker
        ("app/clients/vouchers.py", "create_voucher("),
    ],
}

# The scope each subscribed topic needs (Admin GraphQL WebhookSubscriptionTopic, 2026-10:
# "Requires the read_orders scope", "Requires at least one of … read_fulfillments", …).
TOPIC_SCOPES = {
    **{topic: "read_orders" for topic in ORDER_TOPICS},
    "refunds/create": "read_orders",
    **{topic: "read_fulfillments" for topic in FULFILLMENT_TOPICS},
    "fulfillment_events/create": "read_fulfillments",
    "app/uninstalled": None,
    "app/scopes_update": None,
}

# Admin GraphQL text that needs a scope beyond the query's root field (Customer object:
# "Access Scopes: read_customers"; discountCodeBasicCreate: write_discounts).
FIELD_SCOPES = {
    "customer {": "read_customers",
    "... on Product": "read_products",
    "orders(": "read_orders",
    "order(": "read_orders",
    "ordersCount(": "read_orders",
    "discountCodeBasicCreate": "write_discounts",
}

# The documents the Admin client sends for the methods the app calls.
SENT = {"orders_updated_since": admin.ORDERS_UPDATED_SINCE, "count_orders_updated_since": admin.ORDERS_COUNT,
        "order": admin.ORDER_BY_ID, "orders_by_id": admin.ORDER_BY_ID,
        "products": admin.PRODUCTS_BY_ID, "catalogue": admin.PRODUCTS_BY_ID,
        "create_voucher": admin.DISCOUNT_CODE_CREATE}


def toml_scopes() -> list[str]:
    config = tomllib.loads(APP_TOML.read_text())
    return [s.strip() for s in config["access_scopes"]["scopes"].split(",") if s.strip()]


def app_sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
            for folder in ("app", "connectors") for p in (ROOT / folder).rglob("*.py")}


def test_the_toml_requests_exactly_the_apps_scopes():
    requested = toml_scopes()
    assert len(requested) == len(set(requested)), requested
    assert set(requested) == set(SCOPES) == set(JUSTIFIED_BY)
    writes = [s for s in requested if s.startswith("write_")]
    assert writes == ["write_discounts"], "unique vouchers are the app's only write in the shop"


def test_each_scope_is_used_by_the_code_named_for_it():
    for scope, uses in JUSTIFIED_BY.items():
        for module, text in uses:
            source = (ROOT / module).read_text(encoding="utf-8")
            assert text in source, f"{scope}: {module} no longer has {text!r}"


def test_each_subscribed_topic_has_its_scope():
    config = tomllib.loads(APP_TOML.read_text())
    topics = {t for sub in config["webhooks"]["subscriptions"] for t in sub.get("topics", [])}
    assert topics <= set(TOPIC_SCOPES), sorted(topics - set(TOPIC_SCOPES))
    needed = {TOPIC_SCOPES[t] for t in topics} - {None}
    assert needed <= set(SCOPES), sorted(needed - set(SCOPES))


def test_what_the_app_sends_to_the_admin_api_is_covered():
    sources = app_sources()
    called = {method for method in SENT
              if any(f".{method}(" in text for path, text in sources.items()
                     if not path.startswith("connectors/shopify/admin.py"))}
    assert {"orders_updated_since", "count_orders_updated_since", "catalogue",
            "create_voucher"} <= called
    for method in called:
        for text, scope in FIELD_SCOPES.items():
            if text in SENT[method]:
                assert scope in SCOPES, f"{method} sends {text!r}, which needs {scope}"


def test_write_discounts_is_requested_exactly_because_the_discount_mutation_is_called():
    """Scopes requested == scopes used: the unique-voucher path calls the mutation, so the scope
    is requested; were the caller gone, this fails until the scope is dropped again."""
    callers = [path for path, text in app_sources().items()
               if ".create_voucher(" in text and not path.startswith("connectors/")]
    assert callers == ["app/clients/platforms.py"] and "write_discounts" in SCOPES
    assert "discountCodeBasicCreate" in admin.DISCOUNT_CODE_CREATE
