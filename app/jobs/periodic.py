"""The periodic tick: dispatch due mail, redrive lost work, schedule reconciliations."""
from __future__ import annotations

from app.jobs.dispatch import dispatch_due
from app.jobs.reconcile import schedule_reconciliations
from app.jobs.runtime import job


@job
def run_periodic() -> dict:
    counts = dispatch_due()
    counts["reconciliations"] = schedule_reconciliations()
    return counts
