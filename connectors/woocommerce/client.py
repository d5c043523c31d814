"""WooCommerce REST v3 over httpx: auth by scheme, retries with back-off, pagination.

Auth follows WooCommerce's `WC_REST_Authentication`: HTTP Basic with the consumer key and
secret when the store is https (`is_ssl()`), OAuth 1.0a one-legged query signing when the
store is plain http (the only thing WooCommerce accepts there). Every connection goes
through connectors/outbound_guard.py: public addresses, https on port 443 (loopback stores
only with `allow_loopback`). Never imports flask or app.
"""
from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from urllib.parse import urlencode

import httpx

from connectors.base import (
    AccessRefused,
    AddressRefused,
    ConnectorError,
    DiscountType,
    IssuedVoucher,
    MalformedPayload,
    VoucherCodeTaken,
    VoucherRefused,
    VoucherRequest,
)
from connectors.outbound_guard import DestinationRefused, GuardedTransport
from connectors.woocommerce.oauth1 import signed_params

API_PREFIX = "/wp-json/wc/v3"
PER_PAGE = 100
TIMEOUT = httpx.Timeout(30.0, connect=5.0)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = (1.0, 3.0, 9.0)
MAX_RETRY_AFTER = 60.0


class WooCommerceApiError(ConnectorError):
    """The store answered with an error we cannot act on (or never answered)."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code  # WordPress's error code from the body, e.g. rest_invalid_param


class KeysRefused(WooCommerceApiError, AccessRefused):
    """401/403: the REST keys were revoked or lack permission; the merchant must reconnect."""


class MalformedAnswer(WooCommerceApiError, MalformedPayload):
    """A 2xx answer that is not the documented shape (an HTML page, an object for a list)."""


class StoreAddressRefused(WooCommerceApiError, AddressRefused):
    """The store's host now resolves to a non-public address (or a port we never use)."""


class WooClient:
    """One store's REST API. `verify` is passed to httpx (a CA bundle path in tests);
    `allow_loopback` lets it reach a store on a loopback address (tests, local dev only)."""

    def __init__(self, store_url: str, consumer_key: str, consumer_secret: str, *,
                 verify: bool | str = True, timeout: httpx.Timeout = TIMEOUT, sleep=time.sleep,
                 max_attempts: int = MAX_ATTEMPTS, user_agent: str = "aftersales-woocommerce/1",
                 allow_loopback: bool = False):
        self.store_url = store_url.rstrip("/")
        self.key = consumer_key
        self.secret = consumer_secret
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.is_ssl = self.store_url.startswith("https://")
        tls = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
        self.http = httpx.Client(
            transport=GuardedTransport(tls, allow_loopback=allow_loopback),
            timeout=timeout, follow_redirects=False,
            auth=httpx.BasicAuth(consumer_key, consumer_secret) if self.is_ssl else None,
            headers={"User-Agent": user_agent, "Accept": "application/json"})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> WooClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transport -----------------------------------------------------------------------

    def request(self, method: str, path: str, params: dict | None = None,
                json: dict | None = None, attempts: int | None = None) -> httpx.Response:
        """Send one call, retrying 429/5xx and network errors with back-off (`attempts`
        times; 1 for a call that must not be repeated blindly)."""
        url = f"{self.store_url}{API_PREFIX}/{path.lstrip('/')}"
        last_error, last_status = "no attempt", None
        attempts = attempts or self.max_attempts
        for attempt in range(attempts):
            query = {k: _param(v) for k, v in (params or {}).items()}
            if not self.is_ssl:
                query = signed_params(method, url, query, self.key, self.secret)
            try:
                response = self.http.request(method, url, params=query, json=json)
            except DestinationRefused as exc:
                raise StoreAddressRefused(f"{method} {path}: {exc}") from None
            except httpx.TransportError as exc:
                last_error, last_status = f"{type(exc).__name__}: {exc}", None
                wait = None
            else:
                if response.status_code < 400:
                    return response
                if response.status_code in (401, 403):
                    raise KeysRefused(f"{self.store_url}: {response.status_code} {_message(response)}",
                                      response.status_code)
                if response.status_code not in RETRY_STATUSES:
                    raise WooCommerceApiError(
                        f"{method} {path}: {response.status_code} {_message(response)}",
                        response.status_code, _error_code(response))
                last_error, last_status = f"{response.status_code} {_message(response)}", response.status_code
                wait = _retry_after(response)
            if attempt + 1 < attempts:
                self.sleep(wait if wait is not None
                           else BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)])
        raise WooCommerceApiError(f"{method} {path}: gave up after {attempts} attempts: "
                                  f"{last_error}",
                                  last_status)

    def get(self, path: str, params: dict | None = None):
        return _json(self.request("GET", path, params))

    def page(self, path: str, params: dict | None = None, number: int = 1) -> tuple[list, bool]:
        """Page `number` of a list endpoint, and whether another follows (`X-WP-TotalPages`;
        when a proxy stripped it, a short page is the last one)."""
        response = self.request("GET", path,
                                {**(params or {}), "per_page": PER_PAGE, "page": number})
        items = _json(response)
        if not isinstance(items, list):
            raise MalformedAnswer(f"GET {path}: expected a list, got {type(items).__name__}",
                                  response.status_code)
        total_pages = _int_header(response, "X-WP-TotalPages")
        more = len(items) >= PER_PAGE if total_pages is None else number < total_pages
        return items, more

    def paginate(self, path: str, params: dict | None = None,
                 on_page: Callable[[int], None] | None = None) -> Iterator[dict]:
        """Every item of a list endpoint, page by page; `on_page(n)` as page n is read."""
        number, more = 0, True
        while more:
            number += 1
            if on_page:
                on_page(number)
            items, more = self.page(path, params, number)
            yield from items

    # -- resources -----------------------------------------------------------------------

    def orders_modified_after(self, since: datetime, page: int = 1) -> tuple[list, bool]:
        """Page `page` of the orders (any status) modified after `since` (UTC), as REST order
        JSON, and whether another page follows. The list is not ordered by modification."""
        stamp = since.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")
        return self.page("orders", {"modified_after": stamp, "dates_are_gmt": "true"}, page)

    def orders_by_id(self, order_ids: list[str]) -> Iterator[dict]:
        """The given orders (up to any number; fetched 100 ids per call)."""
        for start in range(0, len(order_ids), PER_PAGE):
            chunk = order_ids[start:start + PER_PAGE]
            yield from self.paginate("orders", {"include": ",".join(chunk)})

    def products(self, product_ids: list[str]) -> Iterator[dict]:
        """The given products that still exist (deleted ones are simply not returned)."""
        for start in range(0, len(product_ids), PER_PAGE):
            chunk = product_ids[start:start + PER_PAGE]
            yield from self.paginate("products", {"include": ",".join(chunk)})

    def webhooks(self) -> list[dict]:
        return list(self.paginate("webhooks"))

    def create_webhook(self, name: str, topic: str, delivery_url: str, secret: str) -> dict:
        return _json(self.request("POST", "webhooks", json={
            "name": name, "topic": topic, "delivery_url": delivery_url, "secret": secret,
            "status": "active"}))

    def post_to_plugin(self, route: str, body: dict) -> dict:
        """POST to our companion plugin's REST route on this store, without the REST keys.

        `?rest_route=` works with or without pretty permalinks. No Basic auth: WordPress
        answers 401 to any REST call whose Basic credentials are not an application password.
        """
        url = f"{self.store_url}/?{urlencode({'rest_route': route})}"
        try:
            response = self.http.post(url, json=body, auth=httpx.Auth())  # the base Auth adds nothing
        except httpx.TransportError as exc:
            raise WooCommerceApiError(f"POST {route}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise WooCommerceApiError(f"POST {route}: {response.status_code}", response.status_code)
        return _json(response)

    def update_webhook(self, webhook_id, **fields) -> dict:
        return _json(self.request("PUT", f"webhooks/{int(webhook_id)}", json=fields))

    def create_coupon(self, request: VoucherRequest) -> IssuedVoucher:
        """A single-use coupon (usage_limit 1, once per user) for the buyer's e-mail address.

        Sent once, never retried here: a coupon created before a lost answer would make the
        retry fail with "already exists"; the caller's retry knows whether the code is its own.
        `date_expires_gmt`: WooCommerce reads plain `date_expires` in the store's timezone.
        """
        body = {
            "code": request.code, "description": request.title,
            "discount_type": ("percent" if request.discount == DiscountType.PERCENT
                              else "fixed_cart"),
            "amount": str(request.value), "usage_limit": 1, "usage_limit_per_user": 1,
            "individual_use": False,
            "date_expires_gmt": request.ends_at.astimezone(timezone.utc)
                                .strftime("%Y-%m-%dT%H:%M:%S"),
            "email_restrictions": [request.buyer_email] if request.buyer_email else [],
        }
        if request.minimum_order is not None:
            body["minimum_amount"] = str(request.minimum_order)
        try:
            coupon = _json(self.request("POST", "coupons", json=body, attempts=1))
        except KeysRefused:
            raise
        except WooCommerceApiError as exc:
            if exc.code == "woocommerce_rest_coupon_code_already_exists":
                raise VoucherCodeTaken(f"{self.store_url}: code {request.code} exists") from None
            if exc.status == 400:
                raise VoucherRefused(f"{self.store_url}: coupon refused: {exc}") from None
            raise
        return IssuedVoucher(code=coupon["code"], platform_id=str(coupon["id"]),
                             ends_at=request.ends_at)


def _param(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json(response: httpx.Response):
    """The body as JSON; a 200 HTML page (maintenance mode, a security plugin) is an error."""
    try:
        return response.json()
    except ValueError:
        raise MalformedAnswer(
            f"{response.request.method} {response.request.url.path}: not JSON: "
            f"{response.text[:120]!r}",
            response.status_code) from None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return f"{body.get('code', '')}: {body.get('message', '')}"[:300]
    return str(body)[:200]


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("code")) if isinstance(body, dict) and body.get("code") else None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(value)))
    except ValueError:
        return None


def _int_header(response: httpx.Response, name: str) -> int | None:
    try:
        return int(response.headers[name])
    except (KeyError, ValueError):
        return None
