"""Errors to Sentry when SENTRY_DSN is set (web and worker; Flask and RQ integrations).

No personal data leaves with an event: DATA_COLLECTION (the SDK's successor of
send_default_pii=False) sends no user or client address, cookies, request bodies (webhooks
carry buyers' addresses), query strings, job arguments or stack-frame variables, and
`scrub_event` replaces every e-mail address left in any text of the event
(messages, exception values, breadcrumbs of log lines, URLs) with [address].
SENTRY_ENVIRONMENT and SENTRY_RELEASE are read by the SDK itself.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from app.observability.privacy_scrub import scrub_addresses

if TYPE_CHECKING:
    from sentry_sdk._types import DataCollectionUserOptions

# What the SDK collects by itself (its `data_collection` option, which replaced send_default_pii):
# no user (client address), cookies, bodies, query strings (sign-in tokens), job arguments,
# SQL parameters or stack-frame variables. Request headers: only those named here (by part of
# the name) keep their values; the others, the client's address among them (X-Forwarded-For,
# X-Real-IP), authorization and signatures, are sent as [Filtered].
SAFE_HEADERS = ["user-agent", "content-type", "content-length", "accept", "host", "topic", "request-id",
                "api-version", "shop-domain", "webhook-id", "event-id"]
DATA_COLLECTION: DataCollectionUserOptions = {
    "user_info": False,
    "cookies": {"mode": "off"},
    "http_headers": {"request": {"mode": "allowlist", "terms": SAFE_HEADERS}},
    "http_bodies": [],
    "url_query_params": {"mode": "off"},
    "stack_frame_variables": False,
    "database_query_data": False,
    "queues": False,
}


def scrub_event(event, _hint=None):
    """Sentry's before_send (and before_breadcrumb): the event with every string scrubbed."""
    return _scrubbed(event)


def _scrubbed(value):
    if isinstance(value, str):
        return scrub_addresses(value)
    if isinstance(value, dict):
        return {_scrubbed(key): _scrubbed(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scrubbed(item) for item in value)
    return value


def init_sentry(app, **options) -> bool:
    """Start the SDK for this process when the app has a SENTRY_DSN; whether it did.
    `options` go to sentry_sdk.init as well (tests give a transport)."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.rq import RqIntegration
    from sentry_sdk.utils import BadDsn

    try:
        sentry_sdk.init(
            dsn=dsn,
            integrations=[FlaskIntegration(), RqIntegration()],
            # Only these two and the SDK's defaults (logging, threads, …), not whatever else is
            # installed: its SQLAlchemy and Redis integrations would add every statement and
            # command to events as breadcrumbs. (It once also broke on statements run on the raw
            # DBAPI cursor, app/db/dbapi_rows.py; the read model runs none since.)
            auto_enabling_integrations=False,
            data_collection=DATA_COLLECTION,
            before_send=scrub_event,
            before_breadcrumb=scrub_event,
            **options,
        )
    except BadDsn:
        from app.config import ConfigError

        raise ConfigError("SENTRY_DSN", "is not a Sentry DSN (https://<key>@<host>/<project id>)") from None
    return True
