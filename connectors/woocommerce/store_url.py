"""A merchant-typed store address → the canonical store URL (Shop.domain for WooCommerce).

`https://shop.example/` and `Shop.Example` both become `https://shop.example`; a path is
kept (WordPress in a sub-directory), query, fragment and credentials are refused. Plain
http only for loopback hosts, and only when the caller allows it (tests, local dev).
"""
from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class InvalidStoreUrl(ValueError):
    """The address cannot be a WooCommerce store we connect to."""


def normalise_store_url(raw: str | None, allow_loopback_http: bool = False) -> str:
    text = (raw or "").strip()
    if not text:
        raise InvalidStoreUrl("enter your store's address")
    if len(text) > 200 or any(c.isspace() or ord(c) < 32 for c in text):
        raise InvalidStoreUrl("the address is too long or contains spaces")
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidStoreUrl(f"not a valid address: {exc}") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidStoreUrl("the host name is not valid") from None
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidStoreUrl("the address must not contain a login, query or fragment")
    if not host:
        raise InvalidStoreUrl("the address has no host name")
    loopback = host in LOOPBACK_HOSTS
    if scheme == "http" and not (loopback and allow_loopback_http):
        raise InvalidStoreUrl("the store must be reachable over https")
    if scheme not in ("http", "https"):
        raise InvalidStoreUrl("the address must start with https://")
    if not loopback:
        _check_public_host(host)
    netloc = f"[{host}]" if ":" in host else host
    if port and port != (443 if scheme == "https" else 80):
        netloc += f":{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    return f"{scheme}://{netloc}{path}"


def _check_public_host(host: str) -> None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        labels = host.split(".")
        if len(labels) < 2 or not all(HOST_LABEL.match(label) for label in labels):
            raise InvalidStoreUrl(f"{host!r} is not a valid host name") from None
        return
    if not address.is_global:
        raise InvalidStoreUrl("the store must have a public address")
