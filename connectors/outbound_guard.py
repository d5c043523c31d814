"""Server-side requests to merchant-supplied hosts go to public addresses only (no SSRF).

A store address is typed by whoever connects a store, so before every TCP connection we
resolve the host ourselves (getaddrinfo: every numeric form the C resolver takes, such as
`127.1`, `0x7f.1`, `2130706433`, `169.254.43518`), refuse the destination unless every
address is public, and connect to exactly the address we checked. Checking at connect
time, inside httpx's connection pool, also covers DNS rebinding (the name answering a
public address when the store was connected and a private one later), redirects if a
caller follows them, and retries. TLS, SNI and the Host header keep the original name.

Public: https on port 443 to a globally routable unicast address. With `allow_loopback`
(tests, local dev) loopback addresses are also allowed, on any port and over plain http.
"""
from __future__ import annotations

import ipaddress
import socket

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
PUBLIC_PORT = 443
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class DestinationRefused(httpx.ConnectError):
    """The host resolves to an address (or uses a port or scheme) we never connect to."""


def check_destination(host: str, port: int, *, allow_loopback: bool = False) -> list[IPAddress]:
    """Every address `host` resolves to, after checking each; the ones to connect to.

    Raises DestinationRefused for any non-public address (one is enough) and for a port
    other than 443 unless every address is loopback and loopback is allowed; raises
    OSError (socket.gaierror) when the name does not resolve.
    """
    addresses = resolve(host, port)
    for address in addresses:
        reason = refusal(address, allow_loopback)
        if reason:
            raise DestinationRefused(f"{host!r} is refused: it resolves to {reason}")
    loopback = all(address.is_loopback for address in addresses)
    if port != PUBLIC_PORT and not (loopback and allow_loopback):
        raise DestinationRefused(f"port {port} is refused: stores are reached over https on port 443")
    return addresses


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses getaddrinfo gives for `host`; IPv4-mapped IPv6 ones as their IPv4."""
    found: list[IPAddress] = []
    for *_, sockaddr in socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if address not in found:
            found.append(address)
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, "no address")
    return found


def refusal(address: IPAddress, allow_loopback: bool = False) -> str | None:
    """Why we never connect to `address` (a short phrase), or None when we may."""
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    embedded = _embedded_ipv4(address)
    if embedded is not None and not _public(embedded):
        return "a private address embedded in an IPv6 address"
    if isinstance(address, ipaddress.IPv6Address) and address in NAT64:
        return None  # judged by the IPv4 address inside (DNS64 networks)
    if not _public(address):
        return "a private, link-local, multicast or reserved address"
    return None


def _public(address: IPAddress) -> bool:
    return (address.is_global and not address.is_multicast and not address.is_reserved
            and not address.is_unspecified and not address.is_link_local and not address.is_loopback
            and not address.is_private)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in NAT64 or int(address) >> 32 == 0:  # NAT64, IPv4-compatible (::a.b.c.d)
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


class _CheckedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, but it resolves, checks and connects to the checked address."""

    def __init__(self, allow_loopback: bool):
        self.allow_loopback = allow_loopback
        self.inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses = check_destination(host, port, allow_loopback=self.allow_loopback)
        except OSError as exc:  # the name does not resolve (DestinationRefused is no OSError)
            raise httpcore.ConnectError(f"{host!r} does not resolve: {exc}") from None
        last_error: Exception | None = None
        for address in addresses:
            try:
                return self.inner.connect_tcp(str(address), port, timeout=timeout,
                                              local_address=local_address,
                                              socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None, "check_destination gives at least one address"
        raise last_error

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise DestinationRefused("unix sockets are refused")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport that only reaches public https:443 destinations (see the module doc).

    No proxy (a proxy would make the connection for us, unchecked); use it with
    `httpx.Client(transport=GuardedTransport(...))`, which also ignores proxy variables.
    """

    def __init__(self, verify=True, *, allow_loopback: bool = False, **kwargs):
        for unsafe in ("proxy", "uds"):
            if kwargs.get(unsafe):
                raise ValueError(f"GuardedTransport does not support {unsafe}")
        super().__init__(verify=verify, **kwargs)
        self.allow_loopback = allow_loopback
        pool = self._pool
        if not isinstance(pool, httpcore.ConnectionPool) or not hasattr(pool, "_network_backend"):
            raise RuntimeError("this httpx/httpcore version cannot take a checked network backend")
        pool._network_backend = _CheckedBackend(allow_loopback)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "https" and not self.allow_loopback:
            raise DestinationRefused("plain http is refused: stores are reached over https", request=request)
        return super().handle_request(request)


def guarded_client(*, allow_loopback: bool = False, verify=True, **client_kwargs) -> httpx.Client:
    """An httpx.Client over GuardedTransport that does not follow redirects by default."""
    client_kwargs.setdefault("follow_redirects", False)
    return httpx.Client(transport=GuardedTransport(verify, allow_loopback=allow_loopback), **client_kwargs)
