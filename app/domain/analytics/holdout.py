"""The holdout: a share of orders that sees no marketing module in the block and gets no
marketing mail, so that what the modules add can be measured against orders without them.

Membership is a hash of the shop's own salt (shops.holdout_salt) and the order's id: stable
for the order's whole life, the same in every process, not drawn at runtime, and not
guessable from outside. Changing the share moves only the orders near the boundary.
"""
from __future__ import annotations

import hashlib

from flask import current_app

from app.domain.shop.modules import MEASUREMENT, module_settings

# The block's advertising: what sells or asks for something. Status, tracking, the estimate,
# the FAQ and the survey are service and stay for everyone.
MARKETING_BLOCK_MODULES = frozenset({"reorder", "recommendations", "banner", "review_prompt",
                                     "social", "newsletter"})
HOLDOUT_REASON = "holdout"
MAX_PERCENT = 50


def holdout_percent(shop) -> int:
    """The shop's share in percent, else (also for a stored value out of range) the app's
    HOLDOUT_PERCENT."""
    percent = module_settings(shop, MEASUREMENT).get("holdout_percent")
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= MAX_PERCENT:
        return current_app.config.get("HOLDOUT_PERCENT", 5)
    return percent


def holdout_share(shop) -> float:
    return holdout_percent(shop) / 100


def holdout_position(salt: str | None, order_id: int) -> float:
    """Where the order falls in [0, 1): uniform over orders, fixed for each."""
    digest = hashlib.blake2b(f"{salt or ''}:{order_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2 ** 64


def in_holdout(shop, order_id: int | None) -> bool:
    """Whether the order belongs to the shop's holdout (an order not yet stored: never)."""
    if order_id is None:
        return False
    return holdout_position(shop.holdout_salt, order_id) < holdout_share(shop)
