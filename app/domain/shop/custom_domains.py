"""Custom domains: which request hosts are our own, which host names a merchant may claim,
and the DNS record that proves a shop holds one.

Pure: strings in, strings out. A merchant points a host of their own (track.example.de) at
us with a CNAME; requests for that host serve only that shop's tracking page and lookup,
once the shop proved the host is theirs with a TXT record at challenge_name(host) holding
challenge_token(...) (app/domain/shop/custom_domain_proof.py checks it).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import urlsplit

from app.i18n import FALLBACK, translate

# Local runs, tests and health probes reach the app by these; they always count as ours.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
TOP_LABEL = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
CHALLENGE_LABEL = "_aftersales-challenge"
# The challenge name (CHALLENGE_LABEL + "." + host) must itself be a valid DNS name.
MAX_LENGTH = 253 - len(CHALLENGE_LABEL) - 1


def host_name(host: str) -> str:
    """The bare, lower-case name of a Host header value: no port, no brackets, no final dot."""
    host = (host or "").strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host[1:host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def app_host(app_url: str) -> str:
    return (urlsplit(app_url).hostname or "").lower()


def is_own_host(host: str, app_url: str, aliases: tuple[str, ...] = ()) -> bool:
    """True for the APP_URL host, loopback names and the configured aliases (internal names)."""
    return host in LOOPBACK_HOSTS or host == app_host(app_url) or host in aliases


# Why a typed name is not a host name: `NOT_HOST_ONLY` (a URL, path, port or address was
# typed), `UNENCODABLE` (no IDNA form), `NOT_A_HOST` (not a DNS name with a top-level domain).
NOT_HOST_ONLY, UNENCODABLE, NOT_A_HOST = "not_host_only", "unencodable", "not_a_host"


def typed_host(text: str, max_length: int) -> tuple[str | None, str | None]:
    """(the name in IDNA ASCII, lower case; None) or (None; why not, as above) for a
    name a merchant typed (trimmed, without its trailing dot). Shared by the custom tracking
    domain and the sender domain (app/domain/shop/sender_domains.py)."""
    if "://" in text or "/" in text or ":" in text or "@" in text:
        return None, NOT_HOST_ONLY
    try:
        name = text.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None, UNENCODABLE
    labels = name.split(".")
    if (len(name) > max_length or len(labels) < 2 or not all(LABEL.match(label) for label in labels)
            or not TOP_LABEL.match(labels[-1])):
        return None, NOT_A_HOST
    return name, None


def parse_custom_domain(value: str | None, app_url: str,
                        lang: str = FALLBACK) -> tuple[str | None, str | None]:
    """(the host name to store or None for "no custom domain", an error message in `lang` or None)."""
    text = (value or "").strip().rstrip(".")
    if not text:
        return None, None
    name, problem = typed_host(text, MAX_LENGTH)
    if problem == NOT_HOST_ONLY:
        return None, translate(lang, "admin.tracking_address.host_only")
    if problem == UNENCODABLE:
        return None, translate(lang, "admin.tracking_address.not_a_host")
    if name is None:
        return None, translate(lang, "admin.tracking_address.not_a_host_example")
    if is_own_host(name, app_url):
        return None, translate(lang, "admin.tracking_address.own_address")
    return name, None


def challenge_name(domain: str) -> str:
    """Where the merchant publishes the proof: a TXT record just below the host."""
    return f"{CHALLENGE_LABEL}.{domain}"


def challenge_token(secret_key: str, shop_id: int, domain: str) -> str:
    """The TXT value proving `domain` for this shop: an HMAC of both under the app's secret,
    so no other shop can know it, and it names one shop and one host."""
    message = f"custom-domain-v1:{shop_id}:{domain}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:40]
