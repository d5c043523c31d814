"""The shops a module's periodic work is for: installed, with the module switched on."""
from __future__ import annotations

from sqlalchemy import select

from app.domain.shop.modules import DEFAULT_ENABLED
from app.extensions import db
from app.models import Shop, ShopModule


def shops_with_module(module_key: str) -> list[int]:
    """The ids (ascending) of installed shops with `module_key` switched on (a module on by
    default: not switched off); the periodic table (app/jobs/periodic.py) enqueues their jobs."""
    installed = Shop.uninstalled_at.is_(None)
    if DEFAULT_ENABLED.get(module_key):  # on unless switched off: most shops have no row
        switched_off = select(ShopModule.id).where(ShopModule.shop_id == Shop.id,
                                                   ShopModule.key == module_key,
                                                   ShopModule.enabled.is_(False))
        shops = select(Shop.id).where(installed, ~switched_off.exists()).order_by(Shop.id)
    else:
        shops = (select(ShopModule.shop_id).join(Shop, Shop.id == ShopModule.shop_id)
                 .where(ShopModule.key == module_key, ShopModule.enabled.is_(True), installed)
                 .order_by(ShopModule.shop_id))
    return list(db.session.scalars(shops))
