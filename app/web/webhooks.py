"""Webhook intake: verify, store the raw delivery under its unique id, kick a drain, answer fast."""
from __future__ import annotations

import logging
from functools import cache

from flask import Blueprint, current_app, request
from sqlalchemy import select

from app.db.base import insert_for
from app.extensions import db
from app.jobs.deliveries import kick_drain
from app.models import DeliveryState, Shop, WebhookDelivery
from app.web.machine_posts import answer, capped_body, require_post
from connectors import get_connector
from connectors.base import IncomingRequest, MalformedPayload, Secrets
from connectors.payloads import json_object

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)


def _shopify_secrets() -> Secrets:
    old = current_app.config.get("SHOPIFY_API_SECRET_OLD")
    return Secrets(current_app.config["SHOPIFY_API_SECRET"], (old,) if old else ())


@bp.route("/webhooks/shopify", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/webhooks/shopify/compliance", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def shopify_webhook():
    """Receive one Shopify webhook (order, fulfillment, lifecycle or compliance topic)."""
    return receive("shopify", _shopify_secrets())


@bp.route("/webhooks/woocommerce/<shop_key>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def woocommerce_webhook(shop_key: str):
    """Receive one WooCommerce webhook (or its ping) for the store behind this shop key."""
    shop = db.session.scalars(select(Shop).where(
        Shop.platform == "woocommerce", Shop.shop_key == shop_key, Shop.uninstalled_at.is_(None))).first()
    if shop is None:
        return answer(404, "unknown shop")
    return receive("woocommerce", Secrets(shop.webhook_secret or ""), shop)


def receive(platform: str, secrets: Secrets, shop: Shop | None = None):
    require_post("webhooks")
    body = capped_body("MAX_WEBHOOK_BYTES")
    connector = get_connector(platform)
    incoming = IncomingRequest(method=request.method, headers=dict(request.headers), body=body,
                               url=request.url)
    verdict = connector.verify(incoming, secrets)
    if not verdict.ok:  # includes the WooCommerce ping: 200, nothing stored
        return answer(verdict.status, verdict.reason)
    identity = connector.identify(incoming)
    problem = _malformed(incoming.body)
    delivery_id = _store(platform, identity, incoming.body, shop,
                         DeliveryState.MALFORMED if problem else DeliveryState.RECEIVED, problem)
    if problem:
        log.warning("malformed %s webhook stored for replay: %s", platform, problem)
        return answer(400, f"malformed body, stored for replay: {problem}")
    if delivery_id is None:
        return answer(200, "duplicate delivery ignored")
    try:
        kick_drain()
    except Exception:  # stored is safe: the dispatcher kicks a drain when Redis is back
        log.exception("could not kick the drain for delivery %s; it stays stored", delivery_id)
    return answer(200, "accepted")


def _malformed(body: bytes) -> str | None:
    """Why the body cannot be read as a JSON object, or None when it can."""
    try:
        json_object(body)
    except MalformedPayload as exc:
        return str(exc)
    return None


def _store(platform, identity, body, shop, state, error) -> int | None:
    """Insert the delivery in its own short transaction; None when this delivery id was stored before.

    Core rather than the ORM session, and a single autocommitted statement (no BEGIN, no
    COMMIT round trip; the insert is atomic by itself and durable when it returns): this is
    the hottest write in the app and nothing else in the request needs the session.
    """
    table = WebhookDelivery.__table__
    values = dict(
        platform=platform, delivery_key=identity.delivery_key, topic=identity.topic,
        shop_domain=identity.shop_domain, shop_id=shop.id if shop else None, body=body,
        triggered_at=identity.triggered_at, state=state, error=error,
    )
    with db.autocommit() as conn:
        delivery_id = conn.execute(_insert_once(db.dialect), values).scalar()
        if delivery_id is None and state == DeliveryState.MALFORMED:
            return conn.scalar(select(table.c.id).where(
                table.c.platform == platform, table.c.delivery_key == identity.delivery_key))
    return delivery_id


@cache
def _insert_once(dialect: str):
    """Built once per database: a statement built per request cost ≈60 µs of CPU, most of it
    SQLAlchemy working out its cache key anew."""
    table = WebhookDelivery.__table__
    return (insert_for(dialect)(table).on_conflict_do_nothing(index_elements=["platform", "delivery_key"])
            .returning(table.c.id))
