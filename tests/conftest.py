"""Shared fixtures: real database (SQLite or TEST_DATABASE_URL), real Redis, real SMTP."""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from rq import SimpleWorker
from sqlalchemy import create_engine, text

from app import create_app
from app.db.base import Base
from app.db.migrate import upgrade
from app.devstack.embedded_redis import start_embedded_redis
from app.devstack.mail_sink import start_sink
from app.extensions import db, queues
from app.mail.senders import SMTPSender
from app.mail.snapshot import shop_modules
from app.queues import QUEUE_NAMES
from app.web.presented_cache import presented
from connectors.signature import body_signature
from tests.support import facts_guard

# Fixtures that live beside their helpers: the fake WooCommerce store and a shop connected
# to it (fake_store, wc_store_shop); the admin's sign-in (wc_shop, wc_admin); the app served
# to headless Chromium (live_server, browser_page); the DNS the app asks (fake_dns).
pytest_plugins = ["tests.support.woocommerce_store", "tests.support.admin_sessions", "tests.support.browser", "tests.support.fakes.dns_server",
                  "tests.support.tracking_fixtures"]

PAYLOADS = Path(__file__).parent / "payloads"
SHOPIFY_SECRET = "test_secret_key"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db')}/test.sqlite3"
    _drop_everything(url)
    upgrade(url)
    return url


def _drop_everything(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    process, url = start_embedded_redis(tmp_path_factory.mktemp("redis"))
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def encryption_key() -> str:
    return Fernet.generate_key().decode()


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


@pytest.fixture
def config(database_url, redis_url, encryption_key) -> dict:
    return make_config(database_url, redis_url, encryption_key)


@pytest.fixture
def app(config):
    app = create_app(config)
    facts_guard.install(db.session.session_factory, (db.engine, db.autocommit_engine))
    with app.app_context():
        yield app
        db.session.remove()
        unpaid = facts_guard.take_violations()
        _empty_tables()
        presented.clear()
        shop_modules.clear()
        queues.redis.flushdb()
    assert not unpaid, "bulk statements that moved no facts version:\n" + "\n".join(unpaid)


def _empty_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def run_jobs(app):
    """Run every queued job to completion in this process (a real RQ worker, burst mode)."""

    def run() -> None:
        worker = SimpleWorker([queues.get(name) for name in QUEUE_NAMES], connection=queues.redis)
        worker.work(burst=True)

    return run


@pytest.fixture
def shop(app):
    from app.models import Shop

    shop = Shop(platform="shopify", domain="johns-apparel.myshopify.com", name="John's Apparel",
                access_token="shpat_test", locale="de", support_email="hilfe@johns-apparel.example")
    db.session.add(shop)
    db.session.commit()
    return shop


def load_payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def fresh_payload(name: str, minutes_ago: int = 10, **overrides) -> bytes:
    """A recorded payload whose created_at/updated_at are moved to just now.

    The recorded samples date from 2021-2022; a shipping notice for a parcel sent that
    long ago is rightly skipped as stale, so tests of the live path move the clock.
    """
    from datetime import datetime, timedelta, timezone

    payload = json.loads(load_payload(name))
    moment = (datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)).isoformat(timespec="seconds")
    payload.update(created_at=moment, updated_at=moment, **overrides)
    return json.dumps(payload).encode()


def shopify_headers(body: bytes, topic: str, event_id: str, secret: str = SHOPIFY_SECRET,
                    domain: str = "johns-apparel.myshopify.com", triggered_at: str | None = None) -> dict:
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Hmac-Sha256": body_signature(body, secret),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": domain,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": f"webhook-{event_id}",
        "X-Shopify-Event-Id": event_id,
    }
    if triggered_at:
        headers["X-Shopify-Triggered-At"] = triggered_at
    return headers


@pytest.fixture
def post_shopify(client):
    """POST a signed Shopify webhook: (topic, body bytes or dict, event id) → response."""

    def post(topic: str, body, event_id: str, **kwargs):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return client.post("/webhooks/shopify", data=raw,
                           headers=shopify_headers(raw, topic, event_id, **kwargs))

    return post


class InboxHandler:
    """aiosmtpd handler keeping every received message (envelope and parsed mail)."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        from email import policy
        from email.parser import BytesParser

        mail = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        self.messages.append({"envelope_from": envelope.mail_from, "envelope_to": list(envelope.rcpt_tos), "mail": mail,
                              "raw": envelope.original_content or envelope.content})
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def serving_smtp(app, handler: InboxHandler):
    """Run `handler` as a real SMTP server on loopback and make it the app's mail server."""
    controller = start_sink(handler)
    app.extensions["mail_sender"] = SMTPSender(f"smtp://127.0.0.1:{controller.port}")
    try:
        yield handler.messages
    finally:
        controller.stop()


@pytest.fixture
def smtp_inbox(app):
    """A real SMTP server on loopback; the app sends to it over SMTP."""
    with serving_smtp(app, InboxHandler()) as messages:
        yield messages
