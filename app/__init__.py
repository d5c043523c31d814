"""The Flask application factory."""
from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import i18n
from app.caches.template_cache import template_bytecode
from app.config import DEFAULT_MAX_CONTENT_LENGTH, config_from_env
from app.extensions import db, queues
from app.keys import encryption as crypto
from app.observability.privacy_scrub import scrub_logged_addresses
from app.web.body_limits import BodyLimitedRequest
from app.web.cookie_sessions import CookieOnlySessions


def create_app(config: dict | None = None) -> Flask:
    """Build the app from `config`, or from the environment when none is given."""
    app = Flask(__name__)
    app.request_class = BodyLimitedRequest  # a chunked body over the limit is 413, not cut off
    app.session_interface = CookieOnlySessions()  # no serializer built for a request without a cookie
    app.jinja_options = {**app.jinja_options, "bytecode_cache": template_bytecode()}
    app.config.update(config if config is not None else config_from_env())
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # a config dict without it still gets a cap
        app.config["MAX_CONTENT_LENGTH"] = DEFAULT_MAX_CONTENT_LENGTH
    # X-Forwarded-* are believed only from the proxies we were told about, the last N hops;
    # without any, a client could rotate X-Forwarded-For past the per-IP limits and pick the
    # host that decides which shop's pages are served.
    hops = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if hops > 0:
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]  # Flask's documented way to wrap the WSGI app
    from app.observability.logs import configure_logging
    from app.observability.sentry import init_sentry

    # LOG_FORMAT (JSON lines or text), LOG_LEVEL, request ids: app/observability/logs.py
    configure_logging(app)
    init_sentry(app)  # only when SENTRY_DSN is set
    logging.getLogger("alembic").setLevel(logging.WARNING)
    scrub_logged_addresses()  # a safety net: stored and raised errors are scrubbed where made
    crypto.configure_keys(app.config["TOKEN_ENCRYPTION_KEY"])
    i18n.load_catalogues()
    db.init_app(app)
    from app.domain.orders.facts_versions import count_changes

    count_changes(db.session.session_factory)
    from app.domain.arrival.parcel_records import record_on_flush
    record_on_flush(db.session.session_factory)
    queues.init_app(app)
    register_blueprints(app)
    register_cli(app)
    from app.web.errors import register_error_handlers

    register_error_handlers(app)
    return app


def register_blueprints(app: Flask) -> None:
    from app.web import (
        admin,
        blocks,
        health,
        hosts,
        lookup,
        mail_feedback,
        mailbox,
        module_clicks,
        newsletter,
        openapi,
        review_clicks,
        shopify_auth,
        shopify_home,
        survey,
        tracking,
        tracking_push,
        unsubscribe,
        webhooks,
        woocommerce_connect,
        woocommerce_disconnect,
        woocommerce_health,
        woocommerce_privacy,
    )

    for module in (hosts, health, openapi, webhooks, tracking_push, blocks, tracking, lookup,
                   shopify_home, shopify_auth, mailbox, unsubscribe, review_clicks, module_clicks,
                   woocommerce_connect, woocommerce_disconnect, mail_feedback, admin, survey,
                   newsletter, woocommerce_privacy, woocommerce_health):
        app.register_blueprint(module.bp)


def register_cli(app: Flask) -> None:
    from app.cli import db_cli, deliveries_cli, dispatch_command, keys_cli, mail_cli, shops_cli

    for command in (db_cli, shops_cli, deliveries_cli, dispatch_command, mail_cli, keys_cli):
        app.cli.add_command(command)
