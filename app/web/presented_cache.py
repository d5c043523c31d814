"""The block's answers, kept per process while the order's and the shop's facts stand still.

A view first reads the order's fingerprint: one small query for the ids, the two facts
versions (app/domain/orders/facts_versions.py) and what access checks need. The answer for
that fingerprint, the requested language, the host and the current time bucket is
rendered once and then served from memory; its ETag comes from the same key, so a
conditional request is answered 304 without loading or rendering anything.

Time: what the block shows also depends on the clock (a delivery window that has
passed turns into "running late"). Answers are rendered for the start of their
BUCKET_SECONDS bucket and expire with it, so every process renders the same bytes for
the same key and the ETag stays honest.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from flask import Response, request
from sqlalchemy import Select, bindparam, select

from app.caches.bounded_lru import BoundedLRU
from app.domain.analytics.engagement_counts import count_view
from app.extensions import db
from app.models import Customer, Order, Shop
from app.presenters import PRESENTER_VERSION, order_status
from app.read_model.loads import load_order_view
from app.read_model.views import OrderView

BUCKET_SECONDS = 300
MAX_ENTRIES = 4096
# Which answers count as a buyer's view, and where (app/domain/analytics/engagement_counts.py). A status-only
# answer counts the view but no module; the JSON behind the page is no view of its own.
VIEW_SURFACES = {"block.json": "block", "embed.fragment": "block", "tracking.page": "page",
                 "block.status.json": "block"}
MODULE_VIEWS = {"block.json", "embed.fragment", "tracking.page"}
# Statuses past the point where a buyer could still ask "where is my order?" (a view then is
# no view before delivery; cancelled and refunded orders never get there).
AFTER_DELIVERY = frozenset({"delivered", "returned", "cancelled", "refunded"})


@dataclass(frozen=True)
class Fingerprint:
    order_id: int
    shop_id: int
    order_version: int
    shop_version: int
    customer_platform_id: str | None
    placed_at: datetime | None
    created_at: datetime
    order_key: str | None
    custom_domain: str | None
    status: str  # the order's; a view before it is delivered is counted for it too

    @property
    def before_delivery(self) -> bool:
        return self.status not in AFTER_DELIVERY


def _fingerprint_query(where):
    """Built once: a view only binds values (Core on a pooled connection, no ORM session)."""
    o, s, c = Order.__table__.c, Shop.__table__.c, Customer.__table__.c
    return (select(o.id, o.shop_id, o.facts_version, s.facts_version, c.platform_customer_id, o.placed_at,
                   o.created_at, o.platform_order_key, s.custom_domain, o.status)
            .select_from(Order.__table__.join(Shop.__table__, s.id == o.shop_id)
                         .outerjoin(Customer.__table__, c.id == o.customer_id))
            .where(s.uninstalled_at.is_(None), *where(o, s)).limit(1))


_BY_ID = _fingerprint_query(lambda o, s: (o.id == bindparam("order_id"), o.shop_id == bindparam("shop_id")))
_BY_PLATFORM_ID = _fingerprint_query(
    lambda o, s: (o.shop_id == bindparam("shop_id"), o.platform_order_id == bindparam("platform_order_id")))
_BY_SHOP_DOMAIN = _fingerprint_query(
    lambda o, s: (s.platform == bindparam("platform"), s.domain == bindparam("domain"),
                  o.platform_order_id == bindparam("platform_order_id")))


def _fingerprint(query: Select, **values: object) -> Fingerprint | None:
    # Autocommit: one SELECT is its own snapshot, and the connection goes back to the pool
    # without a ROLLBACK round trip.
    with db.autocommit() as conn:
        row = conn.execute(query, values).first()
    return Fingerprint(*row) if row is not None else None


def fingerprint_by_id(order_id: int, shop_id: int) -> Fingerprint | None:
    """The order, if it belongs to this shop and the shop is still installed."""
    return _fingerprint(_BY_ID, order_id=order_id, shop_id=shop_id)


def fingerprint_by_platform_id(shop_id: int, platform_order_id: str) -> Fingerprint | None:
    return _fingerprint(_BY_PLATFORM_ID, shop_id=shop_id, platform_order_id=platform_order_id)


def fingerprint_by_shop_domain(platform: str, domain: str, platform_order_id: str) -> Fingerprint | None:
    return _fingerprint(_BY_SHOP_DOMAIN, platform=platform, domain=domain,
                        platform_order_id=platform_order_id)


class PresentedCache:
    """A bounded LRU of rendered answers; one per process, shared by its threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._bodies: BoundedLRU[bytes] = BoundedLRU(max_entries)
        # The modules each answer showed, for counting module views on a 304 too (unknown
        # when another process rendered the answer: then only the view is counted).
        self._shown: BoundedLRU[tuple[str, ...]] = BoundedLRU(max_entries)

    @staticmethod
    def key(kind: str, fingerprint: Fingerprint, locale: str | None, host: str, now: datetime) -> tuple:
        bucket = int(now.timestamp()) // BUCKET_SECONDS
        # Ids alone could repeat (SQLite reuses the highest id after a purge): the creation
        # time and the shop make the key name one order for good.
        return (kind, PRESENTER_VERSION, fingerprint.order_id, fingerprint.shop_id,
                fingerprint.created_at.isoformat(), fingerprint.order_version, fingerprint.shop_version,
                (locale or "")[:16], host, bucket)

    @staticmethod
    def etag(key: tuple) -> str:
        return hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest()

    def get_or_render(self, key: tuple, render: Callable[[OrderView, datetime], bytes]) -> bytes | None:
        """The cached answer, or render it from the order loaded now; None if it is gone."""
        body = self._bodies.get(key)
        if body is None:
            order = load_order_view(key[2])
            if order is None:
                return None
            body = render(order, datetime.fromtimestamp(key[-1] * BUCKET_SECONDS, timezone.utc))
            self._bodies.put(key, body)
        return body

    def remember_shown(self, key: tuple, modules: tuple[str, ...]) -> None:
        self._shown.put(key, modules)

    def shown(self, key: tuple) -> tuple[str, ...]:
        return self._shown.get(key) or ()

    def clear(self) -> None:
        self._bodies.clear()
        self._shown.clear()


presented = PresentedCache()


def conditional_answer(kind: str, order: Fingerprint, render: Callable[[OrderView, dict], str], mimetype: str,
                       headers: dict) -> Response | None:
    """This request's answer for the order's current facts, in the requested language: 304
    when its ETag matches, else the cached (or now rendered) body; None if the order is gone.

    `render(order, facts)` turns the presenter's facts into the body (JSON or HTML).
    """
    locale = request.args.get("locale")
    key = presented.key(kind, order, locale, request.host, datetime.now(timezone.utc))
    etag = presented.etag(key)
    if request.if_none_match.contains(etag):
        response = Response(status=304, headers=headers)
    else:
        def rendered(full: OrderView, now: datetime) -> bytes:
            facts = order_status(full, locale, now)
            presented.remember_shown(key, tuple(facts["modules"]))
            return render(full, facts).encode()

        body = presented.get_or_render(key, rendered)
        if body is None:
            return None
        response = Response(body, mimetype=mimetype, headers=headers)
    response.set_etag(etag)
    if (surface := VIEW_SURFACES.get(kind)) is not None:
        count_view(order.shop_id, surface, presented.shown(key) if kind in MODULE_VIEWS else (),
                   order.order_id if order.before_delivery else None)
    return response
