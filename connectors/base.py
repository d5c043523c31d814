"""The connector boundary: the inbound Connector, the outbound PlatformClient Protocol, the normalised
event dataclasses and the errors.

Connectors translate a platform's wire format into these dataclasses and never import
flask or app. Timestamps are timezone-aware UTC; platform ids are strings.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Mapping, Protocol, Union


class ShipmentStatus(StrEnum):
    """The normalised parcel status every connector maps into (DESIGN.md §4)."""

    PENDING = "pending"
    INFO_RECEIVED = "info_received"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    ATTEMPT_FAILED = "attempt_failed"
    DELAYED = "delayed"
    EXCEPTION = "exception"
    DELIVERED = "delivered"
    RETURNING = "returning"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


class ConnectorError(Exception):
    """Base of every connector error."""


class MalformedPayload(ConnectorError):
    """The body is not what the topic promises (bad JSON, missing ids, wrong types)."""


class NotSupported(ConnectorError):
    """The platform has no such operation."""


class AccessRefused(ConnectorError):
    """401/403: the platform refused our credentials (revoked keys, a dead token)."""


class AddressRefused(ConnectorError):
    """The shop's address resolves to a non-public host (or a port we never use)."""


@dataclass(frozen=True)
class IncomingRequest:
    """A webhook request as the web layer received it."""

    method: str
    headers: Mapping[str, str]
    body: bytes
    url: str = ""


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a request (a webhook; an extension's session token, whose
    `shopify.session_token.ExtensionSession` adds to it): ok, or the HTTP status to answer and why."""

    ok: bool
    status: int
    reason: str
    shop_domain: str | None = None


@dataclass(frozen=True)
class DeliveryIdentity:
    """What identifies a delivery before its body is parsed."""

    delivery_key: str
    topic: str
    shop_domain: str | None
    triggered_at: datetime | None


@dataclass(frozen=True)
class LineItem:
    platform_line_id: str
    title: str
    quantity: int
    product_id: str | None = None
    variant_id: str | None = None
    sku: str | None = None
    price: Decimal | None = None
    # Shopify: the product's handle (GraphQL lines; REST webhooks do not carry it) and
    # `product_exists` (false once the product was deleted). None: the payload does not say.
    product_handle: str | None = None
    product_exists: bool | None = None
    # The product's picture where the platform names one (WooCommerce lines carry
    # `image.src`; Shopify's GraphQL lines `image.url`; Shopify's REST webhooks none).
    image_url: str | None = None


@dataclass(frozen=True)
class CatalogueProduct:
    """A product as the shop offers it now: what a recommendation links to."""

    platform_product_id: str
    title: str
    url: str | None
    available: bool


@dataclass(frozen=True)
class Parcel:
    tracking_number: str | None
    tracking_url: str | None
    carrier: str | None


@dataclass(frozen=True)
class FulfillmentEvent:
    """One fulfillment (possibly several parcels) of an order, in normalised terms."""

    platform_order_id: str
    platform_fulfillment_id: str
    status: ShipmentStatus
    raw_status: str | None
    parcels: tuple[Parcel, ...]
    created_at: datetime | None
    updated_at: datetime | None
    line_items: tuple[tuple[str, int], ...] = ()  # (platform_line_id, quantity)
    estimated_delivery_at: datetime | None = None
    # The status came from the carrier's tracking (Shopify's shipment_status, TrackShip's
    # status), not from the shop's own workflow (fulfilled, order completed): only then
    # can a parcel that goes quiet count as stalled.
    carrier_reported: bool = False


@dataclass(frozen=True)
class OrderEvent:
    platform_order_id: str
    name: str | None
    currency: str | None
    total_price: Decimal | None
    financial_status: str | None
    fulfillment_status: str | None
    placed_at: datetime | None
    updated_at: datetime | None
    cancelled_at: datetime | None
    email: str | None
    platform_customer_id: str | None
    locale: str | None
    shipping_country: str | None
    marketing_consent: bool | None
    lines: tuple[LineItem, ...] = ()
    fulfillments: tuple[FulfillmentEvent, ...] = ()
    refunds: tuple[RefundEvent, ...] = ()  # platforms that embed refunds in the order (WooCommerce)
    # WooCommerce's order key (wc_order_…): binds the companion plugin's embed token to the order.
    order_key: str | None = None
    # The platform's consent state, normalised: granted, pending, denied, withdrawn.
    marketing_state: str | None = None
    marketing_consent_at: datetime | None = None


@dataclass(frozen=True)
class TrackingUpdate:
    """One carrier event for a fulfillment (all its parcels), e.g. "out for delivery"."""

    platform_order_id: str
    platform_fulfillment_id: str
    status: ShipmentStatus
    raw_status: str | None
    happened_at: datetime
    location: str | None = None
    message: str | None = None
    estimated_delivery_at: datetime | None = None


@dataclass(frozen=True)
class RefundEvent:
    """Money (and possibly goods) went back: which lines, how many."""

    platform_order_id: str
    platform_refund_id: str
    created_at: datetime | None
    line_items: tuple[tuple[str, int], ...] = ()  # (platform_line_id, quantity)
    returned: bool = False  # goods came back (restock type "return")
    amount: Decimal | None = None  # money returned, positive


@dataclass(frozen=True)
class LifecycleEvent:
    """App lifecycle and privacy: uninstalled, scopes_update, shop_redact, customer_redact,
    data_request."""

    kind: str
    shop_domain: str | None
    customer_email: str | None = None
    platform_order_ids: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    request_id: str | None = None


@dataclass(frozen=True)
class IgnoredEvent:
    """A delivery acknowledged on purpose, with the reason (unknown topic, draft order…)."""

    reason: str


class DiscountType(StrEnum):
    """What a voucher takes off: a percentage of the order, or a fixed amount off the cart."""

    PERCENT = "percent"
    FIXED = "fixed"


@dataclass(frozen=True)
class VoucherRequest:
    """One single-use code for one buyer, as the app asks a platform to create it.

    `value` is the percentage (1-100) or the amount in the shop's currency; the buyer is
    named by the platform's customer id where it has one (Shopify) and by e-mail (WooCommerce).
    """

    code: str
    title: str
    discount: DiscountType
    value: Decimal
    starts_at: datetime
    ends_at: datetime
    buyer_email: str | None = None
    buyer_platform_id: str | None = None
    minimum_order: Decimal | None = None


@dataclass(frozen=True)
class IssuedVoucher:
    """A code the platform created: the code as it stored it, its own id, its expiry."""

    code: str
    platform_id: str
    ends_at: datetime


class VoucherRefused(ConnectorError):
    """The platform refused to create the code (validation, permission); `detail` says why."""


class VoucherCodeTaken(VoucherRefused):
    """The platform already has a code with this text (ours from an earlier attempt, or not)."""


@dataclass(frozen=True)
class OrderPage:
    """One page of orders updated since a moment, and the cursor of the next (None: last).

    An order the platform lists but the app does not keep (a checkout draft) or cannot read
    (a malformed entry) is an IgnoredEvent with the reason, so every listed order counts.
    """

    events: tuple[OrderEvent | IgnoredEvent, ...]
    next_cursor: str | None


@dataclass
class WebhookRepair:
    """What ensuring our webhooks in a shop did, per topic."""

    created: list[str] = field(default_factory=list)
    reenabled: list[str] = field(default_factory=list)
    healthy: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.reenabled or self.removed)

    def summary(self) -> str:
        parts = [f"{len(self.healthy)} active"]
        if self.created:
            parts.append("created " + ",".join(self.created))
        if self.reenabled:
            parts.append("re-enabled " + ",".join(self.reenabled))
        if self.removed:
            parts.append(f"removed {len(self.removed)} stale")
        return "; ".join(parts)


ParsedEvent = Union[OrderEvent, FulfillmentEvent, TrackingUpdate, RefundEvent, LifecycleEvent, IgnoredEvent]


@dataclass(frozen=True)
class Secrets:
    """The secrets a verification may accept: current first, then the old one."""

    current: str
    previous: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Connector:
    """A platform's inbound side, made of its package's functions (one instance per platform,
    in `connectors.REGISTRY`): the same methods for every platform, only the functions differ."""

    platform: str
    verify_webhook: Callable[[IncomingRequest, Secrets], Verification]
    identify_delivery: Callable[[IncomingRequest], DeliveryIdentity]
    parse_webhook: Callable[[str, bytes], ParsedEvent]
    product_page: Callable[[str, str, str | None, str | None], str | None]
    reorder_page: Callable[[str, str, Iterable[tuple[str | None, str | None, int]], str | None], str | None]

    def verify(self, request: IncomingRequest, secrets: Secrets) -> Verification:
        """Check method, signature and required headers of a webhook request."""
        return self.verify_webhook(request, secrets)

    def identify(self, request: IncomingRequest) -> DeliveryIdentity:
        """Return the delivery's unique key, topic, shop and trigger time."""
        return self.identify_delivery(request)

    def parse(self, topic: str, body: bytes) -> ParsedEvent:
        """Translate a verified body into a normalised event; raise MalformedPayload."""
        return self.parse_webhook(topic, body)

    def product_url(self, storefront: str, product_id: str, handle: str | None = None,
                    variant_id: str | None = None) -> str | None:
        """A product page on the storefront (`https://…`, no trailing slash) from what an
        order line knows; None when that is not enough."""
        return self.product_page(storefront, product_id, handle, variant_id)

    def reorder_url(self, storefront: str, platform_order_id: str,
                    lines: Iterable[tuple[str | None, str | None, int]],
                    order_key: str | None = None) -> str | None:
        """The buy-again link for an order's (product id, variant id, quantity) lines; None
        when nothing can be re-added."""
        return self.reorder_page(storefront, platform_order_id, lines, order_key)


class PlatformClient(Protocol):
    """One shop's platform API, the outbound side: what reconciliation, recommendations and
    vouchers ask of any platform. A platform without an operation raises NotSupported; a
    refused credential raises AccessRefused; throttling is waited out inside the client; an
    answer that is not the documented shape raises MalformedPayload.
    """

    platform: str
    # How far back each pass looks over the previous cursor (index lag, clock skew).
    overlap: timedelta
    # The listing comes oldest update first, so the cursor may move after every page.
    updates_in_order: bool
    # Changes can land without a webhook or a newer modification time (WooCommerce's
    # tracking meta): recent orders without a parcel are read again on every pass.
    rereads_open_orders: bool
    # A refused credential means the merchant disconnected (no uninstall webhook comes).
    refusal_disconnects: bool

    def orders_updated_since(self, since: datetime, cursor: str | None = None) -> OrderPage:
        """One page of the orders updated since `since` (at or after it; WooCommerce: after it,
        the overlap covers the seam); `cursor` from the previous page, None for the first."""

    def count_orders_updated_since(self, since: datetime) -> int:
        """How many orders `orders_updated_since` will list (NotSupported where unknown)."""

    def orders_by_id(self, platform_order_ids: list[str]) -> list[OrderEvent | IgnoredEvent]:
        """The given orders as the platform has them now (missing ones left out)."""

    def ensure_webhooks(self, callback_url: str, secret: str,
                        stale_prefix: str | None = None) -> WebhookRepair:
        """Make our order webhooks exist and deliver to `callback_url` (NotSupported where the
        platform takes them from the app's configuration, as Shopify's app TOML)."""

    def catalogue(self, product_ids: list[str]) -> list[CatalogueProduct]:
        """The products among these ids that still exist, with their links and availability."""

    def create_voucher(self, request: VoucherRequest) -> IssuedVoucher:
        """A single-use code for one buyer; VoucherCodeTaken / VoucherRefused when refused."""

    def close(self) -> None:
        """Release the connection pool."""

    def __enter__(self) -> PlatformClient: ...

    def __exit__(self, *exc) -> None: ...
