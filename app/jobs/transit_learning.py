"""Learn each shop's delivery ranges per carrier × country from its own parcels, once a day.

The ranges are read from the stored parcel facts (app/domain/arrival/carrier_history.py
learned_ranges: the Carriers page's own figures, one GROUP BY). They land on the
`delivery_estimate` module row (`derived`, app/domain/arrival/learned_transit.py), so a block
view reads them with the module switches and stays at two queries. They are written only
when they changed: a write moves the shop's facts version, which drops its cached block
answers and the mail sender's copy of its modules.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from app.domain.arrival.carrier_history import learned_ranges, parcels_since
from app.domain.arrival.carrier_performance import LEARNING_DAYS
from app.domain.arrival.learned_transit import DERIVED_KEY, stored_ranges
from app.domain.arrival.parcel_records import performance_context
from app.domain.shop.module_changes import save_derived
from app.domain.shop.modules import module_derived, module_enabled
from app.extensions import db
from app.jobs.runtime import job
from app.models import Shop

log = logging.getLogger(__name__)
MODULE = "delivery_estimate"
# The parcels counted in the job's answer: those that left within the learning window and a month before.
SHIPPED_BEFORE = timedelta(days=30)


def learn_transit_job_id(shop_id: int) -> str:
    return f"learn-transit-{shop_id}"


@job
def learn_transit_ranges(shop_id: int, now: datetime | None = None) -> dict:
    """Store the shop's learned ranges when they differ from the stored ones."""
    now = now or datetime.now(timezone.utc)
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.active or not module_enabled(shop, MODULE):
        return {"skipped": "shop gone, uninstalled or delivery estimate off"}
    context = performance_context(shop, now)
    session = db.session()
    parcels = parcels_since(session, shop.id, context.today - timedelta(days=LEARNING_DAYS) - SHIPPED_BEFORE)
    ranges = learned_ranges(session, shop.id, context.today)
    derived = module_derived(shop, MODULE) or {}
    changed = dict(stored_ranges(derived)) != ranges
    if changed:
        save_derived(shop, MODULE, {**derived, DERIVED_KEY: ranges})
        db.session.commit()
    log.info("shop %s: %s parcel(s), %s learned pair(s), changed=%s", shop_id, parcels, len(ranges), changed)
    return {"parcels": parcels, "pairs": len(ranges), "changed": changed}
