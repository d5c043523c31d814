"""A merchant-typed store address → the canonical store URL (Shop.domain for WooCommerce).

`https://shop.example/` and `Shop.Example` both become `https://shop.example`; a path is
kept (WordPress in a sub-directory), query, fragment and credentials are refused. The host
is resolved and must be public, https on port 443 (connectors/outbound_guard.py); numeric
hosts in any form (`0x7f.1`) become their canonical address. Loopback stores, over plain
http and on any port, only when the caller allows it (tests, local dev). A name that does
not resolve yet is accepted: every connection the worker makes is checked again.
"""
from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from connectors.outbound_guard import PUBLIC_PORT, DestinationRefused, check_destination

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
    if scheme not in ("http", "https"):
        raise InvalidStoreUrl("the address must start with https://")
    if scheme == "http" and not allow_loopback_http:
        raise InvalidStoreUrl("the store must be reachable over https")
    host = _numeric_host(host) or host
    if host != "localhost":
        _check_host_syntax(host)
    try:
        addresses = check_destination(host, port or (443 if scheme == "https" else 80),
                                      allow_loopback=allow_loopback_http)
    except DestinationRefused:
        raise InvalidStoreUrl("the store must have a public address and use https on port 443") from None
    except OSError:  # does not resolve (yet): only a public https:443 store can pass later
        addresses = []
    loopback = bool(addresses) and all(address.is_loopback for address in addresses)
    if scheme == "http" and not loopback:
        raise InvalidStoreUrl("the store must be reachable over https")
    if port not in (None, PUBLIC_PORT) and not loopback:
        raise InvalidStoreUrl("the store must use the standard https port (443)")
    netloc = f"[{host}]" if ":" in host else host
    if port and port != (443 if scheme == "https" else 80):
        netloc += f":{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    return f"{scheme}://{netloc}{path}"


def _numeric_host(host: str) -> str | None:
    """The canonical form of a numeric host in any spelling the resolver takes, else None."""
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (OSError, UnicodeError, ValueError):
        return None
    return str(ipaddress.ip_address(str(infos[0][4][0]).split("%", 1)[0]))


def _check_host_syntax(host: str) -> None:
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) < 2 or not all(HOST_LABEL.match(label) for label in labels):
        raise InvalidStoreUrl(f"{host!r} is not a valid host name")
