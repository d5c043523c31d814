"""Configuration read once from the environment; a missing secret stops start-up by name."""
from __future__ import annotations

import math
import os
from collections.abc import Mapping

from app.observability.startup_errors import StartupError

REQUIRED = ("SECRET_KEY", "TOKEN_ENCRYPTION_KEY", "SHOPIFY_API_KEY", "SHOPIFY_API_SECRET")
DEFAULT_DATABASE_URL = "sqlite:///var/aftersales.sqlite3"
# Every request body (forms, JSON, chunked or not) stops here unless its route says otherwise.
DEFAULT_MAX_CONTENT_LENGTH = 1_000_000


class ConfigError(StartupError, ValueError):
    """A setting is missing or malformed: `variable` and `problem` make one line, which every
    entry point prints as `configuration error: …` before it exits with 2
    (app/observability/startup_errors.py)."""

    def __init__(self, variable: str, problem: str):
        self.variable, self.problem = variable, problem
        super().__init__(f"{variable} {problem}")

    def line(self) -> str:
        return f"configuration error: {self.message}"


class MissingSettingError(ConfigError):
    """Raised at boot when required settings are absent."""

    def __init__(self, names: list[str]):
        self.names = names
        super().__init__(", ".join(names),
                         "must be set (see .env.example; `make run` generates local values)")


def config_from_env(environ: Mapping[str, str] | None = None) -> dict:
    """Build the Flask config from environment variables."""
    env = os.environ if environ is None else environ
    missing = [name for name in REQUIRED if not env.get(name)]
    if missing:
        raise MissingSettingError(missing)
    return {
        "SECRET_KEY": env["SECRET_KEY"],
        # The previous SECRET_KEY while it is rotated out: links signed with it still verify.
        "SECRET_KEY_OLD": env.get("SECRET_KEY_OLD") or None,
        "TOKEN_ENCRYPTION_KEY": env["TOKEN_ENCRYPTION_KEY"],
        "SHOPIFY_API_KEY": env["SHOPIFY_API_KEY"],
        "SHOPIFY_API_SECRET": env["SHOPIFY_API_SECRET"],
        "SHOPIFY_API_SECRET_OLD": env.get("SHOPIFY_API_SECRET_OLD") or None,
        "SHOPIFY_API_ORIGIN": env.get("SHOPIFY_API_ORIGIN") or None,
        "DATABASE_URL": _database_url(env.get("DATABASE_URL") or DEFAULT_DATABASE_URL),
        "REDIS_URL": _redis_url(env.get("REDIS_URL") or "redis://127.0.0.1:6379/0"),
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
        # What a shop's own sender domain includes in its SPF record so our relay may send for
        # it; unset: _spf.<MAIL_FROM's domain> (app/domain/shop/sender_domains.py spf_include).
        "SPF_INCLUDE": (env.get("SPF_INCLUDE") or "").strip().lower() or None,
        "MAIL_FEEDBACK_SECRET": env.get("MAIL_FEEDBACK_SECRET") or None,
        "SOFT_BOUNCE_LIMIT": _int(env, "SOFT_BOUNCE_LIMIT", 3, minimum=1),
        "MAILBOX_DIR": env.get("MAILBOX_DIR") or None,
        "DISPATCH_INTERVAL_SECONDS": _float(env, "DISPATCH_INTERVAL_SECONDS", 5, above=0),
        "MAIL_MAX_ATTEMPTS": _int(env, "MAIL_MAX_ATTEMPTS", 6, minimum=1),
        "MAIL_JOB_TIMEOUT_SECONDS": _int(env, "MAIL_JOB_TIMEOUT_SECONDS", 60, minimum=1),
        # Marketing fatigue: at most one mail per customer per gap, and N per 30 days;
        # quiet hours (shop time zone, whole hours) defer marketing mail to their end.
        "MARKETING_MIN_GAP_HOURS": _float(env, "MARKETING_MIN_GAP_HOURS", 16),
        "MARKETING_MAX_PER_30_DAYS": _int(env, "MARKETING_MAX_PER_30_DAYS", 5),
        # The share of orders (%) held out from marketing where a shop set none
        # (app/domain/analytics/holdout.py).
        "HOLDOUT_PERCENT": _int(env, "HOLDOUT_PERCENT", 5, maximum=50),
        "QUIET_HOURS_START": _int(env, "QUIET_HOURS_START", 21, maximum=23),
        "QUIET_HOURS_END": _int(env, "QUIET_HOURS_END", 8, maximum=23),
        # 0 switches reconciliation off (local demos, whose shops Shopify does not know).
        "RECONCILE_INTERVAL_SECONDS": _int(env, "RECONCILE_INTERVAL_SECONDS", 900),
        # WooCommerce: the name merchants see on the key-grant screen; a CA bundle path
        # (or "false") for stores with a private CA; the https address WooCommerce posts the
        # keys to when APP_URL is not https (local rigs); plain-http loopback stores (dev).
        "WOOCOMMERCE_APP_NAME": env.get("WOOCOMMERCE_APP_NAME") or "Aftersales",
        "WOOCOMMERCE_TLS_VERIFY": _tls_verify(env.get("WOOCOMMERCE_TLS_VERIFY")),
        "WOOCOMMERCE_CALLBACK_URL": env.get("WOOCOMMERCE_CALLBACK_URL") or None,
        "WOOCOMMERCE_ALLOW_LOOPBACK_HTTP": (env.get("WOOCOMMERCE_ALLOW_LOOPBACK_HTTP") or "").lower()
        in ("1", "true", "yes"),
        "LOG_LEVEL": _choice(env, "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
        # One JSON object per line (app/observability/logs.py) or plain text; `make run` sets text.
        "LOG_FORMAT": _choice(env, "LOG_FORMAT", "json", ("json", "text")).lower(),
        # Errors to Sentry (app/observability/sentry.py) when set; SENTRY_ENVIRONMENT and SENTRY_RELEASE are
        # read by the SDK itself.
        "SENTRY_DSN": env.get("SENTRY_DSN") or None,
        # The name server asked for TXT records (custom-domain proofs, sender domains): "host",
        # "host:port" or "[v6]:port";
        # unset: the system's (/etc/resolv.conf).
        "DNS_RESOLVER": (env.get("DNS_RESOLVER") or "").strip() or None,
        # Request bodies: Flask's MAX_CONTENT_LENGTH caps every one while it is read (a chunked
        # body too, 413 beyond it); webhook routes take MAX_WEBHOOK_BYTES instead.
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH, minimum=1),
        "MAX_WEBHOOK_BYTES": _int(env, "MAX_WEBHOOK_BYTES", 2_000_000, minimum=1),
        # How many reverse proxies in front of gunicorn add X-Forwarded-For/-Proto/-Host. 0 (the
        # default): those headers are the client's own words and are ignored (client address
        # for rate limits = the socket's peer, host routing = Host).
        "TRUSTED_PROXY_COUNT": _int(env, "TRUSTED_PROXY_COUNT", 0),
        # Raw webhook bodies (buyers' personal data) are dropped this long after arrival,
        # once the delivery is finished; until then `deliveries replay` can use them.
        "WEBHOOK_BODY_RETENTION_DAYS": _int(env, "WEBHOOK_BODY_RETENTION_DAYS", 30),
        # Customer data exports (made for data requests) are deleted this long after they
        # were made: GDPR Art. 12(3) gives the merchant a month to answer.
        "DATA_EXPORT_RETENTION_DAYS": _int(env, "DATA_EXPORT_RETENTION_DAYS", 30),
        # Carrier tracking: app-wide default keys of the tracking providers (a shop's own key,
        # set in the admin, goes first); unset is normal: parcels then rely on the platform's
        # events and the estimate. The URLs only move the providers' endpoints (tests, proxies).
        "DHL_API_KEY": env.get("DHL_API_KEY") or None,
        "SEVENTEENTRACK_API_KEY": env.get("SEVENTEENTRACK_API_KEY") or None,
        "DHL_API_URL": env.get("DHL_API_URL") or None,
        "SEVENTEENTRACK_API_URL": env.get("SEVENTEENTRACK_API_URL") or None,
        "TESTING": False,
    }


def _shown(raw: str) -> str:
    """A malformed value as the error line quotes it (short; secrets are never quoted)."""
    return repr(raw if len(raw) <= 40 else raw[:40] + "…")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0,
         maximum: int | None = None) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"must be a whole number, got {_shown(raw)}") from None
    if value < minimum:
        raise ConfigError(name, f"must be at least {minimum}, got {_shown(raw)}")
    if maximum is not None and value > maximum:
        raise ConfigError(name, f"must be at most {maximum}, got {_shown(raw)}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, above: float | None = None) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ConfigError(name, f"must be a number, got {_shown(raw)}")
    if value < 0 or (above is not None and value <= above):
        raise ConfigError(name, f"must be {'above' if above is not None else 'at least'} {above or 0}, "
                                f"got {_shown(raw)}")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (env.get(name) or default).strip()
    if value.upper() not in (c.upper() for c in choices):
        raise ConfigError(name, f"must be one of {', '.join(choices)}, got {_shown(value)}")
    return value.upper()


def _database_url(url: str) -> str:
    """A URL SQLAlchemy can open with an installed driver; the error never quotes the URL
    itself (it holds the password)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    example = "e.g. postgresql+psycopg://user:password@host:5432/name or sqlite:///var/aftersales.sqlite3"
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError("DATABASE_URL", f"is not a database URL ({example})") from None
    try:
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError:
        raise ConfigError("DATABASE_URL", f"names no database SQLAlchemy knows, got scheme "
                                          f"{_shown(parsed.drivername)} ({example})") from None
    except ImportError:
        raise ConfigError("DATABASE_URL", f"needs a driver that is not installed, got scheme "
                                          f"{_shown(parsed.drivername)} ({example})") from None
    return url


def _redis_url(url: str) -> str:
    if url.split("://", 1)[0].lower() not in ("redis", "rediss", "unix") or "://" not in url:
        raise ConfigError("REDIS_URL", "must start with redis://, rediss:// or unix://")
    return url


def _tls_verify(value: str | None) -> bool | str:
    if not value or value.lower() in ("1", "true", "yes"):
        return True
    return False if value.lower() in ("0", "false", "no") else value
