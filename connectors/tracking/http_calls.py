"""One HTTP call to a tracking provider, its failures mapped onto the providers' error tree.

No retries here: the app's scheduler decides when to ask again (RateLimited carries the
provider's Retry-After when it sends one). 429 → RateLimited, 401/403 → KeyRefused,
5xx, a timeout or no connection → ProviderUnavailable. Any other status is returned to
the provider, which knows what its 404 or 400 means.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

from connectors.tracking.base import KeyRefused, ProviderUnavailable, RateLimited

TIMEOUT = httpx.Timeout(15.0, connect=5.0)
USER_AGENT = "aftersales-tracking/1"


def default_client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False,
                        headers={"User-Agent": USER_AGENT, "Accept": "application/json"})


def send(http: httpx.Client, method: str, url: str, *, provider: str, headers: dict[str, str],
         params: dict | None = None, json=None, clock: Callable[[], float] = time.time) -> httpx.Response:
    """Send one request; raise the error the answer stands for, else return the response."""
    try:
        response = http.request(method, url, headers=headers, params=params, json=json)
    except httpx.TimeoutException as exc:
        raise ProviderUnavailable(f"{provider}: timed out ({type(exc).__name__})") from None
    except httpx.TransportError as exc:
        raise ProviderUnavailable(f"{provider}: no answer ({type(exc).__name__}: {exc})") from None
    status = response.status_code
    if status == 429:
        raise RateLimited(f"{provider}: 429 {_snippet(response)}", retry_after(response, clock))
    if status in (401, 403):
        raise KeyRefused(f"{provider}: {status} {_snippet(response)}")
    if status >= 500:
        raise ProviderUnavailable(f"{provider}: {status} {_snippet(response)}")
    return response


def retry_after(response: httpx.Response, clock: Callable[[], float] = time.time) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP-date); None when absent or garbage."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - clock())


def json_body(response: httpx.Response, provider: str):
    """The body as JSON; a 2xx that is no JSON (a proxy's page) means the provider is not really there."""
    try:
        return response.json()
    except ValueError:
        raise ProviderUnavailable(
            f"{provider}: {response.status_code} but not JSON: {_snippet(response)}") from None


def _snippet(response: httpx.Response) -> str:
    return response.text[:200].replace("\n", " ")
