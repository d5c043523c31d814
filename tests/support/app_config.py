"""The test app's configuration: real databases and Redis given by the fixtures, everything
else fixed (secrets, APP_URL, the mail sender in memory until a test serves SMTP)."""
from __future__ import annotations

SHOPIFY_SECRET = "test_secret_key"


def make_config(database_url: str, redis_url: str, encryption_key: str, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "TOKEN_ENCRYPTION_KEY": encryption_key,
        "SHOPIFY_API_KEY": "test-client-id",
        "SHOPIFY_API_SECRET": SHOPIFY_SECRET,
        "SHOPIFY_API_SECRET_OLD": "previous_secret_key",
        "SHOPIFY_API_ORIGIN": None,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "APP_URL": "https://app.example.test",
        "SMTP_URL": "memory:",
        "MAIL_FROM": "Aftersales <mail@app.example.test>",
        "MAILBOX_DIR": None,
        "DISPATCH_INTERVAL_SECONDS": 1.0,
        "MAIL_MAX_ATTEMPTS": 3,
        "MAIL_JOB_TIMEOUT_SECONDS": 60,
        "RECONCILE_INTERVAL_SECONDS": 900,
        "MAX_WEBHOOK_BYTES": 2_000_000,
        # No holdout unless a test sets a shop's share: every other test sees every module.
        "HOLDOUT_PERCENT": 0,
    }
    config.update(overrides)
    return config
