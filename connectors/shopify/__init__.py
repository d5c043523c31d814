"""The Shopify connector: webhook verification, identity, payload mapping,
storefront links; its shop client is `connectors.shopify.admin.AdminClient`."""
from __future__ import annotations

from connectors.base import Connector
from connectors.shopify.mapping import parse_webhook
from connectors.shopify.storefront_links import product_page, reorder_page
from connectors.shopify.webhooks import identify_delivery, verify_webhook

CONNECTOR = Connector("shopify", verify_webhook, identify_delivery, parse_webhook, product_page, reorder_page)
