"""Shared fixtures: real database (SQLite or TEST_DATABASE_URL), real Redis, real SMTP."""
from __future__ import annotations

import json
import os

import pytest
from cryptography.fernet import Fernet
from rq import SimpleWorker
from sqlalchemy import create_engine, text

from app import create_app
from app.db.base import Base
from app.db.migrate import upgrade
from app.devstack.embedded_redis import start_embedded_redis
from app.extensions import db, queues
from app.mail.own_sender import own_senders
from app.queues import QUEUE_NAMES
from app.read_model.loads import shop_views
from app.web.presented_cache import presented
from tests.support import facts_guard
from tests.support.app_config import make_config
from tests.support.payload_files import shopify_headers
from tests.support.smtp_inbox import InboxHandler, serving_smtp

# Fixtures that live beside their helpers: the fake WooCommerce store and a shop connected
# to it (fake_store, wc_store_shop); the admin's sign-in (wc_shop, wc_admin); the app served
# to headless Chromium (live_server, browser_page); the DNS the app asks (fake_dns); the
# connector battery's `platform` and `store`, once per platform.
pytest_plugins = [
    "tests.support.woocommerce_store",
    "tests.support.admin_sessions",
    "tests.support.browser",
    "tests.support.fakes.dns_server",
    "tests.support.tracking_fixtures",
    "tests.support.connector_platforms",
    "tests.support.connector_stores",
]



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
        shop_views.clear()
        own_senders.clear()
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


@pytest.fixture
def post_shopify(client):
    """POST a signed Shopify webhook: (topic, body bytes or dict, event id) → response."""

    def post(topic: str, body, event_id: str, **kwargs):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return client.post("/webhooks/shopify", data=raw,
                           headers=shopify_headers(raw, topic, event_id, **kwargs))

    return post


@pytest.fixture
def smtp_inbox(app):
    """A real SMTP server on loopback; the app sends to it over SMTP."""
    with serving_smtp(app, InboxHandler()) as messages:
        yield messages
