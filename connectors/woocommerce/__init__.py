"""The WooCommerce connector: webhook verification, identity, payload mapping,
storefront links; its shop client is `connectors.woocommerce.shop_client.WooCommerceShopClient`."""
from __future__ import annotations

from connectors.base import Connector
from connectors.woocommerce.mapping import parse_webhook
from connectors.woocommerce.storefront_links import product_page, reorder_page
from connectors.woocommerce.webhooks import identify_delivery, verify_webhook

CONNECTOR = Connector("woocommerce", verify_webhook, identify_delivery, parse_webhook, product_page,
                      reorder_page)
