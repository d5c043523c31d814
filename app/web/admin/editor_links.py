"""Links from the overview into Shopify's checkout and accounts editor, where the merchant
places our order-status block (theme_blocks/shopify/extensions/order-status-block).

The URL follows Shopify's documented deep link into that editor's Apps tab ("Deep linking to
a collection", shopify.dev/docs/apps/build/customer-accounts/editor-extension-collections/
editor-extension-collections-ux-guidelines): `settings/checkout/editor` with `page=<page>`,
`context=apps` and `app=<the app's client id>`; it opens the shop's published configuration
(the doc's optional `/profiles/<checkoutProfile id>` is left out, so no profile is queried).
Not verified: the docs name no parameter that preselects one extension or target, so the
link opens the right page with our app's blocks listed; the target each link is for travels
with it (`data-target`) for the page and its tests, not in the URL.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from app.i18n import N_


@dataclass(frozen=True)
class Placement:
    page: str  # the editor's page parameter
    target: str  # the extension target the merchant places there (shopify.extension.toml)
    label: str  # message id of the link's text


# The thank-you page is checkout's; the order status page is a customer-account page, edited in
# the same "checkout and accounts editor" (shopify.md: Targets).
PLACEMENTS = (
    Placement("thank-you", "purchase.thank-you.block.render", N_("admin.overview.place_thank_you")),
    Placement("order-status", "customer-account.order-status.block.render",
              N_("admin.overview.place_order_status")),
)


def editor_link(shop_domain: str, client_id: str, placement: Placement) -> str:
    """The editor's page for `placement` in this shop's admin, on our app's blocks."""
    store = shop_domain.removesuffix(".myshopify.com")
    query = urlencode({"page": placement.page, "context": "apps", "app": client_id})
    return f"https://admin.shopify.com/store/{store}/settings/checkout/editor?{query}"
