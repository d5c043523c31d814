"""Products often bought together, from the shop's own orders; best sellers as the fallback.

Pure. A job counts, over the shop's recent orders, how many orders hold each product and
each pair of products (`count_baskets`), and keeps a compact, bounded table (`derived_table`)
on the recommendations module row, where a block view finds it without a query of its own.
`recommend` then picks for one order: partners of its products by how often they were
bought together, never a product of the order itself, filled up with best sellers.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from app.domain.shop.storefront import storefront_of
from connectors.links import web_link

TABLE_VERSION = 1
# Bounds that keep the stored JSON small whatever the shop's size.
MAX_PRODUCTS = 200  # products that can be recommended (by orders, most first)
MAX_SOURCES = 400  # products whose partners are kept (removed ones too: their partners still fit)
MAX_PARTNERS = 8
MAX_BASKET = 30  # distinct products per order that are paired (a bulk order says little)
MAX_ITEMS = 8


@dataclass(frozen=True)
class Recommendable:
    """A product the block may link to: its title and an http(s) address."""

    title: str
    url: str


def count_baskets(baskets: Iterable[Iterable[str | None]]) -> tuple[Counter, Counter]:
    """(orders per product, orders per unordered product pair) over the given baskets."""
    orders: Counter = Counter()
    pairs: Counter = Counter()
    for basket in baskets:
        items = sorted({str(p) for p in basket if p})[:MAX_BASKET]
        orders.update(items)
        pairs.update(combinations(items, 2))
    return orders, pairs


def derived_table(orders: Counter, pairs: Counter, catalogue: Mapping[str, Recommendable],
                  now: datetime, source: str) -> dict:
    """The stored table: recommendable products by popularity, and per product its partners.

    `catalogue` holds the products that may be shown (still on sale); partners are counted
    for any product, removed ones included, but only recommendable products are kept as
    partners. Ties go to the more popular product, then the smaller id.
    """
    def popularity(product_id: str) -> tuple:
        return (-orders[product_id], product_id)

    ranked = sorted((p for p in orders if p in catalogue), key=popularity)[:MAX_PRODUCTS]
    index = {product_id: n for n, product_id in enumerate(ranked)}
    sources = set(sorted(orders, key=popularity)[:MAX_SOURCES])
    partners: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for (a, b), count in pairs.items():
        if a in sources and b in index:
            partners[a].append((index[b], count))
        if b in sources and a in index:
            partners[b].append((index[a], count))
    return {
        "version": TABLE_VERSION, "computed_at": now.isoformat(), "source": source,
        "products": [[p, catalogue[p].title, catalogue[p].url] for p in ranked],
        "pairs": {p: [[n, count] for n, count in sorted(found, key=lambda x: (-x[1], x[0]))[:MAX_PARTNERS]]
                  for p, found in sorted(partners.items())},
    }


def recommend(table, ordered_product_ids: Iterable[str | None], limit: int,
              best_sellers: bool = True) -> list[dict]:
    """Up to `limit` products for an order: bought together first, then best sellers."""
    if not isinstance(table, Mapping) or table.get("version") != TABLE_VERSION:
        return []
    products, pairs = table.get("products"), table.get("pairs")
    if not isinstance(products, list) or not isinstance(pairs, Mapping):
        return []
    ordered = {str(p) for p in ordered_product_ids if p}
    scores: Counter = Counter()
    for product_id in ordered:
        for entry in pairs.get(product_id) or ():
            if _valid_pair(entry, len(products)):
                scores[entry[0]] += entry[1]
    picks = [(n, "bought_together") for n, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]
    if best_sellers:
        chosen = set(scores)
        picks += [(n, "best_seller") for n in range(len(products)) if n not in chosen]
    shown = []
    for n, reason in picks:
        item = _product(products[n])
        if item is None or item["product_id"] in ordered:
            continue
        shown.append({**item, "reason": reason})
        if len(shown) >= limit:
            break
    return shown


def _valid_pair(entry, size: int) -> bool:
    return (isinstance(entry, list) and len(entry) == 2 and all(type(v) is int for v in entry)
            and 0 <= entry[0] < size and entry[1] > 0)


def _product(entry) -> dict | None:
    if not isinstance(entry, list) or len(entry) != 3 or not all(isinstance(v, str) for v in entry):
        return None
    product_id, title, url = entry
    return {"product_id": product_id, "title": title, "url": url} if title and web_link(url) else None


def product_link(platform: str, shop_domain: str, product_id: str, handle: str | None = None,
                 variant_id: str | None = None) -> str | None:
    """A link to the product page built from what the order lines know (the address shape is
    the platform connector's `product_url`)."""
    found = storefront_of(platform, shop_domain)
    if found is None:
        return None
    base, connector = found
    return connector.product_url(base, product_id, handle, variant_id)
