"""The periodic tick: dispatch due mail, redrive lost work, schedule reconciliations,
WooCommerce syncs, recommendation refreshes, the daily learning of replenishment intervals
and of delivery ranges per carrier and country, and a carrier-tracking pass a minute, purge
shops whose grace period after uninstalling is over, old mail reports, old raw webhook
bodies and old customer data exports; once a minute, fold the view and click counts,
credit orders to the modules clicked before them and drop click rows past their window."""
from __future__ import annotations

from app.jobs.carrier_polling import schedule_carrier_polling
from app.jobs.dispatch import dispatch_due
from app.jobs.engagement import schedule_engagement
from app.jobs.purge import (
    drop_old_webhook_bodies,
    purge_disconnected_shops,
    purge_mail_feedback,
    purge_old_data_exports,
)
from app.jobs.recommendations import schedule_recommendation_refreshes
from app.jobs.reconcile import schedule_reconciliations
from app.jobs.replenishment import schedule_interval_learning
from app.jobs.runtime import job
from app.jobs.transit_learning import schedule_transit_learning
from app.jobs.woocommerce_sync import schedule_woocommerce_syncs


@job
def run_periodic() -> dict:
    counts = dispatch_due()
    counts["reconciliations"] = schedule_reconciliations()
    counts["woocommerce_syncs"] = schedule_woocommerce_syncs()
    counts["recommendation_refreshes"] = schedule_recommendation_refreshes()
    counts["interval_learning"] = schedule_interval_learning()
    counts["transit_learning"] = schedule_transit_learning()
    counts["carrier_polls"] = schedule_carrier_polling()
    counts["purged_shops"] = purge_disconnected_shops()
    counts["purged_mail_reports"] = purge_mail_feedback()
    counts["dropped_webhook_bodies"] = drop_old_webhook_bodies()
    counts["purged_data_exports"] = purge_old_data_exports()
    counts["engagement"] = schedule_engagement()
    return counts
