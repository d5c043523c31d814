"""Which links from outside (webhooks, merchant settings) may become an href a buyer clicks.

Only an absolute http(s) address with a host: no `javascript:`, `data:` or `vbscript:`,
no scheme-relative `//host`, no `https:host`. Browsers drop tabs and newlines inside a URL
and strip leading spaces and control characters, so `java<TAB>script:` and ` javascript:`
run script: any whitespace, control character or backslash anywhere refuses the link.
Credentials (`https://carrier.example@evil.example`) are refused too: they only disguise
where a link goes.
"""
from __future__ import annotations

from urllib.parse import urlsplit

MAX_LENGTH = 2000
SCHEMES = ("http", "https")


def web_link(value, https_only: bool = False) -> str | None:
    """The address when it is a safe absolute http(s) link (https only if asked), else None.
    Nothing is trimmed: a caller that accepts outer spaces strips them first."""
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH or any(_unsafe(ch) for ch in value):
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError on a malformed port)
    except ValueError:
        return None
    if parts.scheme not in (("https",) if https_only else SCHEMES):
        return None
    if not parts.hostname or "@" in parts.netloc:
        return None
    return value


def _unsafe(ch: str) -> bool:
    code = ord(ch)
    return ch.isspace() or code < 32 or 127 <= code < 160 or ch == "\\"
