"""RQ jobs. Each takes ids, is idempotent, and commits its own transaction."""
