"""Scrubbing recorded WooCommerce webhook bodies before they are committed as test payloads."""
from __future__ import annotations

import json

# Values that name or locate a person (or the machine the run happened on) are replaced by
# fixed placeholders; empty values stay empty so the shape of the payload is kept.
PERSONAL = {
    "first_name": "Erika",
    "last_name": "Example",
    "company": "",
    "address_1": "Example Street 1",
    "address_2": "",
    "city": "Berlin",
    "state": "",
    "postcode": "10115",
    "email": "customer@example.test",
    "phone": "+49 30 0000000",
    "customer_ip_address": "192.0.2.1",
    "customer_user_agent": "scrubbed",
}
SCRUBBED_ORDER_KEY = "wc_order_scrubbed00"


def scrub(value):
    """A copy of a decoded webhook body with personal fields and the order key replaced."""
    if isinstance(value, list):
        return [scrub(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in PERSONAL and isinstance(item, str):
            out[key] = PERSONAL[key] if item else ""
        elif key == "order_key" and isinstance(item, str) and item:
            out[key] = SCRUBBED_ORDER_KEY
        else:
            out[key] = scrub(item)
    return out


def encode_like_woocommerce(value) -> bytes:
    """Compact JSON with `/` escaped as `\\/`, the form `wp_json_encode()` sends."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).replace("/", "\\/").encode()
