"""Domain logic: orders, shipments, statuses, modules and follow-ups; no HTTP, no Redis."""
