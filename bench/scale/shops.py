"""The simulated shops: a Shopify / WooCommerce mix of very different sizes, each with its
catalogue, its module choices and (WooCommerce) its shop key and webhook secret.

Everything is derived from the seed, so the seeder and the player agree on every shop
without talking to each other.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

SHOPIFY_SHARE = 0.6
# Merchants who switched marketing mails on (they start off), and how many buyers agree.
MARKETING_MODULES = {"mail_review_request": 0.4, "mail_thank_you": 0.2, "mail_win_back": 0.2}
EXEMPTION_SHARE = 0.3


@dataclass(frozen=True)
class Product:
    product_id: int
    variant_id: int
    sku: str
    title: str
    price: str


@dataclass(frozen=True)
class ShopProfile:
    index: int
    platform: str  # "shopify" | "woocommerce"
    domain: str  # Shopify: <name>.myshopify.com; WooCommerce: the store's home URL
    shop_key: str
    webhook_secret: str | None  # WooCommerce only; Shopify signs with the app's secret
    weight: float  # share of all orders
    locale: str
    marketing: tuple[str, ...]  # marketing mail modules the merchant switched on
    exemption: bool  # existing-customer exemption confirmed
    delivered_status: bool  # WooCommerce with a tracking plugin that sets "delivered"
    products: tuple[Product, ...]

    @property
    def slug(self) -> str:
        return f"s{self.index:03d}"


def _token(seed: int, *parts) -> str:
    return hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).hexdigest()


def _catalogue(rng: random.Random, index: int, size: int) -> tuple[Product, ...]:
    words = ("Leinenhemd", "Filterkaffee 500 g", "Wollsocken", "Teekanne", "Pflegespray", "Rucksack",
             "Kerze", "Notizbuch", "Olivenöl 1 l", "Handcreme", "Schal", "Becher")
    products = []
    for n in range(size):
        product_id = 7_000_000_000 + index * 10_000 + n
        price = rng.choice((4.9, 9.9, 12.9, 19.9, 29.0, 49.0, 89.0, 129.0))
        products.append(Product(product_id=product_id, variant_id=product_id + 5_000, sku=f"S{index}-{n:03d}",
                                title=f"{words[n % len(words)]} {n // len(words) + 1}", price=f"{price:.2f}"))
    return tuple(products)


def make_shops(count: int, seed: int) -> list[ShopProfile]:
    """`count` shops; order volume follows a long tail (a few big shops, many small ones)."""
    rng = random.Random(f"shops:{seed}")
    raw = [1 / (rank + 1) ** 0.8 for rank in range(count)]
    total = sum(raw)
    shops = []
    for index in range(count):
        platform = "shopify" if rng.random() < SHOPIFY_SHARE else "woocommerce"
        domain = (f"scale-{index:03d}.myshopify.com" if platform == "shopify"
                  else f"https://laden-{index:03d}.example")
        shops.append(ShopProfile(
            index=index, platform=platform, domain=domain, shop_key=_token(seed, "key", index)[:24],
            webhook_secret=_token(seed, "secret", index)[:40] if platform == "woocommerce" else None,
            weight=raw[index] / total, locale=rng.choice(("de", "de", "de", "en")),
            marketing=tuple(key for key, share in MARKETING_MODULES.items() if rng.random() < share),
            exemption=rng.random() < EXEMPTION_SHARE,
            delivered_status=platform == "woocommerce" and rng.random() < 0.5,
            products=_catalogue(rng, index, rng.randint(12, 60)),
        ))
    return shops


def customer_email(shop: ShopProfile, number: int, prefix: str = "c") -> str:
    """Buyer addresses: made up, on a reserved domain, numbered per shop."""
    return f"{prefix}{number}@{shop.slug}.example.test"
