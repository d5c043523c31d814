"""Configuration read once from the environment; a missing secret stops start-up by name."""
from __future__ import annotations

import os
from collections.abc import Mapping

REQUIRED = ("SECRET_KEY", "TOKEN_ENCRYPTION_KEY", "SHOPIFY_API_KEY", "SHOPIFY_API_SECRET")
DEFAULT_DATABASE_URL = "sqlite:///var/aftersales.sqlite3"
# Every request body (forms, JSON, chunked or not) stops here unless its route says otherwise.
DEFAULT_MAX_CONTENT_LENGTH = 1_000_000


class MissingSettingError(RuntimeError):
    """Raised at boot when required settings are absent."""

    def __init__(self, names: list[str]):
        self.names = names
        super().__init__(
            "missing required setting(s): " + ", ".join(names)
            + " (see .env.example; `make run` generates local values)"
        )


def config_from_env(environ: Mapping[str, str] | None = None) -> dict:
    """Build the Flask config from environment variables."""
    env = os.environ if environ is None else environ
    missing = [name for name in REQUIRED if not env.get(name)]
    if missing:
        raise MissingSettingError(missing)
    return {
        "SECRET_KEY": env["SECRET_KEY"],
        "TOKEN_ENCRYPTION_KEY": env["TOKEN_ENCRYPTION_KEY"],
        "SHOPIFY_API_KEY": env["SHOPIFY_API_KEY"],
        "SHOPIFY_API_SECRET": env["SHOPIFY_API_SECRET"],
        "SHOPIFY_API_SECRET_OLD": env.get("SHOPIFY_API_SECRET_OLD") or None,
        "SHOPIFY_API_ORIGIN": env.get("SHOPIFY_API_ORIGIN") or None,
        "DATABASE_URL": env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        "REDIS_URL": env.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        "APP_URL": (env.get("APP_URL") or "http://127.0.0.1:8000").rstrip("/"),
        # Other host names that count as ours (an internal name a proxy passes on); every
        # other host that is no shop's custom domain is answered 404.
        "APP_HOST_ALIASES": tuple(h.strip().lower() for h in (env.get("APP_HOST_ALIASES") or "").split(",")
                                  if h.strip()),
        "SMTP_URL": env.get("SMTP_URL") or "console:",
        "MAIL_FROM": env.get("MAIL_FROM") or "Aftersales <no-reply@localhost>",
        # Bounces and complaints: VERP envelope senders bounces+<token>@BOUNCE_DOMAIN (unset:
        # MAIL_FROM is the envelope sender), the secret of POST /webhooks/mail-feedback
        # (unset: no endpoint), and how many soft bounces in 90 days end mail to an address.
        "BOUNCE_DOMAIN": (env.get("BOUNCE_DOMAIN") or "").strip().lower() or None,
        "MAIL_FEEDBACK_SECRET": env.get("MAIL_FEEDBACK_SECRET") or None,
        "SOFT_BOUNCE_LIMIT": int(env.get("SOFT_BOUNCE_LIMIT") or 3),
        "MAILBOX_DIR": env.get("MAILBOX_DIR") or None,
        "DISPATCH_INTERVAL_SECONDS": float(env.get("DISPATCH_INTERVAL_SECONDS") or 5),
        "MAIL_MAX_ATTEMPTS": int(env.get("MAIL_MAX_ATTEMPTS") or 6),
        "MAIL_JOB_TIMEOUT_SECONDS": int(env.get("MAIL_JOB_TIMEOUT_SECONDS") or 60),
        # Marketing fatigue: at most one mail per customer per gap, and N per 30 days;
        # quiet hours (shop time zone, whole hours) defer marketing mail to their end.
        "MARKETING_MIN_GAP_HOURS": float(env.get("MARKETING_MIN_GAP_HOURS") or 16),
        "MARKETING_MAX_PER_30_DAYS": int(env.get("MARKETING_MAX_PER_30_DAYS") or 5),
        "QUIET_HOURS_START": int(env.get("QUIET_HOURS_START") or 21),
        "QUIET_HOURS_END": int(env.get("QUIET_HOURS_END") or 8),
        # 0 switches reconciliation off (local demos, whose shops Shopify does not know).
        "RECONCILE_INTERVAL_SECONDS": int(env.get("RECONCILE_INTERVAL_SECONDS") or 900),
        # WooCommerce: the name merchants see on the key-grant screen; a CA bundle path
        # (or "false") for stores with a private CA; the https address WooCommerce posts the
        # keys to when APP_URL is not https (local rigs); plain-http loopback stores (dev).
        "WOOCOMMERCE_APP_NAME": env.get("WOOCOMMERCE_APP_NAME") or "Aftersales",
        "WOOCOMMERCE_TLS_VERIFY": _tls_verify(env.get("WOOCOMMERCE_TLS_VERIFY")),
        "WOOCOMMERCE_CALLBACK_URL": env.get("WOOCOMMERCE_CALLBACK_URL") or None,
        "WOOCOMMERCE_ALLOW_LOOPBACK_HTTP": (env.get("WOOCOMMERCE_ALLOW_LOOPBACK_HTTP") or "").lower()
        in ("1", "true", "yes"),
        "LOG_LEVEL": (env.get("LOG_LEVEL") or "INFO").upper(),
        # The name server asked for custom-domain proofs (TXT): "host", "host:port" or "[v6]:port";
        # unset: the system's (/etc/resolv.conf).
        "DNS_RESOLVER": (env.get("DNS_RESOLVER") or "").strip() or None,
        # Request bodies: Flask's MAX_CONTENT_LENGTH caps every one while it is read (a chunked
        # body too, 413 beyond it); webhook routes take MAX_WEBHOOK_BYTES instead.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH") or DEFAULT_MAX_CONTENT_LENGTH),
        "MAX_WEBHOOK_BYTES": int(env.get("MAX_WEBHOOK_BYTES") or 2_000_000),
        # How many reverse proxies in front of gunicorn add X-Forwarded-For/-Proto/-Host. 0 (the
        # default): those headers are the client's own words and are ignored (client address
        # for rate limits = the socket's peer, host routing = Host).
        "TRUSTED_PROXY_COUNT": int(env.get("TRUSTED_PROXY_COUNT") or 0),
        # Raw webhook bodies (buyers' personal data) are dropped this long after arrival,
        # once the delivery is finished; until then `deliveries replay` can use them.
        "WEBHOOK_BODY_RETENTION_DAYS": int(env.get("WEBHOOK_BODY_RETENTION_DAYS") or 30),
        # Customer data exports (made for data requests) are deleted this long after they
        # were made: GDPR Art. 12(3) gives the merchant a month to answer.
        "DATA_EXPORT_RETENTION_DAYS": int(env.get("DATA_EXPORT_RETENTION_DAYS") or 30),
        # Carrier tracking: app-wide default keys of the tracking providers (a shop's own key,
        # set in the admin, goes first); unset is normal: parcels then rely on the platform's
        # events and the estimate. The URLs only move the providers' endpoints (tests, proxies).
        "DHL_API_KEY": env.get("DHL_API_KEY") or None,
        "SEVENTEENTRACK_API_KEY": env.get("SEVENTEENTRACK_API_KEY") or None,
        "DHL_API_URL": env.get("DHL_API_URL") or None,
        "SEVENTEENTRACK_API_URL": env.get("SEVENTEENTRACK_API_URL") or None,
        "TESTING": False,
    }


def _tls_verify(value: str | None) -> bool | str:
    if not value or value.lower() in ("1", "true", "yes"):
        return True
    return False if value.lower() in ("0", "false", "no") else value
