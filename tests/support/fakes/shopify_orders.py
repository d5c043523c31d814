"""Admin GraphQL `Order` nodes in the documented 2026-10 shape, for the fake server."""
from __future__ import annotations


def graphql_order(order_id: int, updated_at: str, *, name="#1001", email="buyer@example.com",
                  fulfillments=(), cancelled_at=None, financial="PAID", fulfillment_status="UNFULFILLED",
                  image_url="https://cdn.shopify.com/s/files/1/0533/2089/files/leinenhemd.jpg?v=1700000000"):
    return {
        "id": f"gid://shopify/Order/{order_id}", "name": name, "email": email,
        "createdAt": "2026-11-20T09:00:00Z", "updatedAt": updated_at, "cancelledAt": cancelled_at,
        "currencyCode": "EUR", "customerLocale": "de-DE",
        "displayFinancialStatus": financial, "displayFulfillmentStatus": fulfillment_status,
        "totalPriceSet": {"shopMoney": {"amount": "89.9", "currencyCode": "EUR"}},
        "customer": {"id": "gid://shopify/Customer/115310627314723954",
                     "defaultEmailAddress": {"marketingState": "NOT_SUBSCRIBED"}},
        "shippingAddress": {"countryCodeV2": "DE"},
        "lineItems": {"nodes": [{
            "id": "gid://shopify/LineItem/466157049", "title": "Leinenhemd", "quantity": 1,
            "sku": "SHIRT-L", "variant": {"id": "gid://shopify/ProductVariant/39072856"},
            "product": {"id": "gid://shopify/Product/632910392", "handle": "leinenhemd"},
            # LineItem.image: the variant's picture, or null when it has none.
            "image": {"url": image_url} if image_url else None,
            "originalUnitPriceSet": {"shopMoney": {"amount": "89.9"}}}]},
        "fulfillments": list(fulfillments),
    }


def graphql_fulfillment(fulfillment_id: int, display_status="IN_TRANSIT", number="00340434161094042557",
                        updated_at="2026-11-21T08:00:00Z", estimated=None):
    return {
        "id": f"gid://shopify/Fulfillment/{fulfillment_id}", "status": "SUCCESS",
        "displayStatus": display_status, "createdAt": "2026-11-21T07:00:00Z", "updatedAt": updated_at,
        "estimatedDeliveryAt": estimated, "deliveredAt": None, "inTransitAt": "2026-11-21T08:00:00Z",
        "trackingInfo": [{"company": "DHL", "number": number,
                          "url": f"https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode="
                                 f"{number}"}],
        "fulfillmentLineItems": {"nodes": [{"quantity": 1,
                                            "lineItem": {"id": "gid://shopify/LineItem/466157049"}}]},
    }
