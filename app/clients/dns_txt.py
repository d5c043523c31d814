"""Look up a name's TXT records (dnspython), fresh: the proof of a custom domain reads them.

`nameserver` ("host" or "host:port", "[v6]:port") asks that server instead of the ones in
/etc/resolv.conf (the DNS_RESOLVER setting; tests point it at a local responder). No cache
here: "Check now" must see a record published a minute ago (the recursive resolver may
still hold a negative answer for its SOA's minimum TTL).
"""
from __future__ import annotations

import dns.exception
import dns.resolver

TIMEOUT_SECONDS = 5.0


class LookupFailed(Exception):
    """No answer either way: the name servers did not respond or answered with an error."""


def txt_values(name: str, nameserver: str | None = None, timeout: float = TIMEOUT_SECONDS) -> set[str]:
    """Every TXT value at `name` (its strings joined, as RFC 7208 reads them); empty when the
    name or its TXT records do not exist; LookupFailed when there is no answer."""
    try:
        resolver = dns.resolver.Resolver(configure=nameserver is None)
        if nameserver:
            host, port = _server(nameserver)
            resolver.nameservers, resolver.port = [host], port
        resolver.lifetime = timeout
        answer = resolver.resolve(name, "TXT", search=False, raise_on_no_answer=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return set()
    except (dns.exception.DNSException, ValueError, OSError) as exc:
        raise LookupFailed(f"{type(exc).__name__}: {exc}") from exc
    if answer.rrset is None:
        return set()
    return {b"".join(record.strings).decode("utf-8", "replace") for record in answer.rrset}


def _server(value: str) -> tuple[str, int]:
    value = value.strip()
    if value.startswith("["):  # [::1]:5353
        host, _, port = value[1:].partition("]")
        return host, int(port.lstrip(":") or 53)
    if value.count(":") == 1:
        host, port = value.split(":")
        return host, int(port)
    return value, 53
