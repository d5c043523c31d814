"""The Admin API access scopes the app requests: each one for a call the code makes.

Shopify installs the app with the scopes in theme_blocks/shopify/shopify.app.toml (managed
install), so that file is what merchants grant; this is the app's own list, and
tests/unit/test_shopify_scopes.py keeps both equal and each scope tied to the code that needs it.
A scope is added here, in the TOML and in that test together, when a new call needs it.
"""
from __future__ import annotations

SCOPES: dict[str, str] = {
    "read_orders": "orders/* and refunds/create webhooks; Admin GraphQL orders, order, ordersCount "
                   "(reconciliation, backfill)",
    "read_fulfillments": "fulfillments/create|update and fulfillment_events/create webhooks",
    "read_products": "Admin GraphQL nodes(ids:) on Product (recommendations)",
    "read_customers": "Order.customer { id, defaultEmailAddress.marketingState } in the Admin GraphQL order "
                      "query (reconciliation, backfill): customer id and marketing consent",
    "write_discounts": "Admin GraphQL discountCodeBasicCreate (unique vouchers: one single-use "
                       "code per buyer, app/clients/vouchers.py)",
}
