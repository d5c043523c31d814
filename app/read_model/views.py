"""Frozen views of the rows a buyer-facing output reads; see app/read_model/__init__.py.

Each view carries the columns of its table that some reader of views reads, under their
mapped names, and its relationships as tuples in the mapped order, so a view reads like the
mapped object it was made from and cannot be changed or written back. The columns no reader
reads are named in LEFT_OUT (the shop's credentials among them: nothing buyer-facing needs
them): the joined load of a message (loads.py) neither fetches nor describes them. The lists
the templates and the presenter read are tuples; JSON columns stay the dicts and lists they
were loaded as (a view shares them: read them, never change them).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.models.states import MessageState


@dataclass(frozen=True, slots=True)
class ModuleView:
    key: str
    enabled: bool
    settings: dict
    derived: dict | None = None


@dataclass(frozen=True, slots=True)
class ShopView:
    id: int
    platform: str
    domain: str
    shop_key: str
    name: str | None
    locale: str
    timezone: str
    country: str
    existing_customer_exemption: bool
    branding: dict
    support_email: str | None
    custom_domain: str | None
    custom_domain_verified_at: datetime | None
    holdout_salt: str | None
    installed_at: datetime
    uninstalled_at: datetime | None
    facts_version: int
    modules: tuple[ModuleView, ...] = ()

    @property
    def active(self) -> bool:
        return self.uninstalled_at is None


@dataclass(frozen=True, slots=True)
class CustomerView:
    id: int | None
    shop_id: int
    email: str | None
    locale: str | None
    marketing_consent: str
    suppressed_reason: str | None


@dataclass(frozen=True, slots=True)
class LineView:
    id: int | None
    order_id: int
    platform_line_id: str
    product_id: str | None
    variant_id: str | None
    sku: str | None
    title: str
    quantity: int
    image_url: str | None


@dataclass(frozen=True, slots=True)
class EventView:
    id: int | None
    shipment_id: int
    status: str
    happened_at: datetime
    location: str | None
    message: str | None
    source: str


@dataclass(frozen=True, slots=True)
class ParcelView:
    """A shipment (one parcel) with its tracking events, oldest first as stored."""
    id: int
    order_id: int
    parcel_index: int
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    status: str
    sub_status: str | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    edd_start: datetime | None
    edd_end: datetime | None
    edd_source: str | None
    line_items: list
    pickup_point: dict | None
    events: tuple[EventView, ...] = ()


@dataclass(frozen=True, slots=True)
class RefundView:
    id: int
    order_id: int
    created_at: datetime
    returned: bool
    amount: Decimal | None


@dataclass(frozen=True, slots=True)
class SurveyAnswerView:
    id: int
    order_id: int
    score: int


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order with everything a block, a page, a mail or the re-check reads of it.

    `survey_code`: the buyer's unique survey voucher once created (app/domain/followups/survey.py),
    read with the order when the shop hands out unique codes."""
    id: int
    shop_id: int
    customer_id: int | None
    platform_order_id: str
    platform_order_key: str | None
    name: str | None
    currency: str | None
    total_price: Decimal | None
    financial_status: str | None
    fulfillment_status: str | None
    status: str
    locale: str | None
    shipping_country: str | None
    placed_at: datetime | None
    cancelled_at: datetime | None
    refunded_at: datetime | None
    created_at: datetime
    facts_version: int
    shop: ShopView
    customer: CustomerView | None
    lines: tuple[LineView, ...] = ()
    shipments: tuple[ParcelView, ...] = ()
    refunds: tuple[RefundView, ...] = ()
    survey_answer: SurveyAnswerView | None = None
    survey_code: str | None = None


@dataclass(frozen=True, slots=True)
class MessageView:
    """A scheduled message with its order and its buyer (who may differ from the order's now).

    `sample`: an admin preview's or test send's made-up message, never stored: its links act
    on nobody and a unique voucher shows a sample code."""
    id: int
    shop_id: int
    order_id: int
    customer_id: int | None
    kind: str
    sequence: int
    stream: str
    send_at: datetime
    stale_after_seconds: int | None
    state: MessageState
    attempts: int
    sent_at: datetime | None
    order: OrderView
    customer: CustomerView | None
    sample: bool = False


def columns_of(view_type: Any) -> tuple[str, ...]:
    """The column fields of a view type (its relationships and extras left out)."""
    return tuple(name for name in view_type.__dataclass_fields__ if name not in RELATIONS)


RELATIONS = frozenset({"modules", "events", "shop", "customer", "lines", "shipments", "refunds",
                       "survey_answer", "survey_code", "order", "sample"})

# Per view, the columns of its table that no reader of views reads: the presenter
# (app/presenters.py), the renderer and its kind contexts (app/mail/), the send-time re-check
# and the planner's Protocols (app/domain/followups/), the block and tracking pages, the admin's
# live preview and samples. They are bookkeeping of the ingest, the carrier polling, the
# reconciliation and the send job, which read and write the mapped rows. Left out, they cost
# a message's joined load nothing: 98 columns instead of 140 (84 with the shop's view kept,
# loads.py), and psycopg describes every column of every execution, Core maps every one of
# every row. A reader that needs one moves it into its view;
# tests/integration/test_read_model.py holds every table's columns to its view's plus these.
LEFT_OUT: dict[type, frozenset[str]] = {
    ShopView: frozenset({"access_token", "refresh_token", "api_key", "api_secret", "webhook_secret",
                         "access_token_expires_at", "refresh_token_expires_at", "needs_reauth_at",
                         "reconciled_through", "scopes", "sync_health", "last_synced_at", "redact_after"}),
    CustomerView: frozenset({"platform_customer_id", "consent_source", "consent_at", "suppressed_at"}),
    LineView: frozenset({"price", "product_handle", "product_exists"}),
    EventView: frozenset({"sub_status"}),
    ParcelView: frozenset({"platform_fulfillment_id", "platform_updated_at", "tracking_provider",
                           "next_poll_at", "poll_count", "registered_at", "tracking_stopped_at",
                           "signed_by"}),
    RefundView: frozenset({"platform_refund_id"}),
    SurveyAnswerView: frozenset({"shop_id", "comment", "answered_at", "updated_at"}),
    OrderView: frozenset({"platform_updated_at", "updated_at"}),
    MessageView: frozenset({"reason", "message_id", "last_error", "queued_at", "clicked_at", "created_at",
                            "updated_at"}),
}
