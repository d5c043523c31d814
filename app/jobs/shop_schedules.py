"""Per-shop periodic work: one job per shop that has a module on, at most once per interval."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from app.domain.shop.modules import DEFAULT_ENABLED
from app.extensions import db, queues
from app.models import Shop, ShopModule


def enqueue_per_shop(module_key: str, job_func, *, every_seconds: int, lock_prefix: str,
                     job_id: Callable[[int], str]) -> int:
    """Enqueue `job_func(shop_id)` for every installed shop with `module_key` switched on (a
    module on by default: not switched off), unless it ran within `every_seconds` (a Redis
    key per shop stands for the interval); returns how many were enqueued."""
    if DEFAULT_ENABLED.get(module_key):  # on unless the shop switched it off: most shops have no row
        switched_off = select(ShopModule.id).where(ShopModule.shop_id == Shop.id, ShopModule.key == module_key,
                                                   ShopModule.enabled.is_(False))
        shops = select(Shop.id).where(Shop.uninstalled_at.is_(None), ~switched_off.exists())
    else:
        shops = (select(ShopModule.shop_id).join(Shop, Shop.id == ShopModule.shop_id)
                 .where(ShopModule.key == module_key, ShopModule.enabled.is_(True), Shop.uninstalled_at.is_(None)))
    shop_ids = db.session.scalars(shops).all()
    db.session.commit()
    enqueued = 0
    for shop_id in shop_ids:
        if queues.redis.set(f"{lock_prefix}{shop_id}", "1", nx=True, ex=every_seconds):
            queues.enqueue("periodic", job_func, shop_id, job_id=job_id(shop_id), retries=2)
            enqueued += 1
    return enqueued
