"""The periodic tick: dispatch due mail, redrive lost work, schedule reconciliations,
WooCommerce syncs and recommendation refreshes, purge shops whose grace period after
uninstalling is over."""
from __future__ import annotations

from app.jobs.dispatch import dispatch_due
from app.jobs.purge import purge_disconnected_shops
from app.jobs.recommendations import schedule_recommendation_refreshes
from app.jobs.reconcile import schedule_reconciliations
from app.jobs.runtime import job
from app.jobs.woocommerce_sync import schedule_woocommerce_syncs


@job
def run_periodic() -> dict:
    counts = dispatch_due()
    counts["reconciliations"] = schedule_reconciliations()
    counts["woocommerce_syncs"] = schedule_woocommerce_syncs()
    counts["recommendation_refreshes"] = schedule_recommendation_refreshes()
    counts["purged_shops"] = purge_disconnected_shops()
    return counts
