"""Per-shop periodic work: one job per shop that has a module on, at most once per interval."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from app.extensions import db, queues
from app.models import Shop, ShopModule


def enqueue_per_shop(module_key: str, job_func, *, every_seconds: int, lock_prefix: str,
                     job_id: Callable[[int], str]) -> int:
    """Enqueue `job_func(shop_id)` for every installed shop with `module_key` switched on,
    unless it ran within `every_seconds` (a Redis key per shop stands for the interval);
    returns how many were enqueued."""
    shop_ids = db.session.scalars(
        select(ShopModule.shop_id).join(Shop, Shop.id == ShopModule.shop_id)
        .where(ShopModule.key == module_key, ShopModule.enabled.is_(True), Shop.uninstalled_at.is_(None))
    ).all()
    db.session.commit()
    enqueued = 0
    for shop_id in shop_ids:
        if queues.redis.set(f"{lock_prefix}{shop_id}", "1", nx=True, ex=every_seconds):
            queues.enqueue("periodic", job_func, shop_id, job_id=job_id(shop_id), retries=2)
            enqueued += 1
    return enqueued
