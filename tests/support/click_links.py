"""Reading the first-party click links (/c/<token>) the block, page and mails now show:
where each one leads, read as the redirect reads it."""
from __future__ import annotations

import html
import re

from flask import current_app

from app.links.module_clicks import read_click_token


def target_of(url: str) -> str:
    """The address a click link redirects to; fails unless `url` is one of our click links."""
    prefix = f"{current_app.config['APP_URL']}/c/"
    assert url.startswith(prefix), url
    return read_click_token(url[len(prefix):]).url


def module_of(url: str) -> str:
    return read_click_token(url.rsplit("/c/", 1)[1]).module


def linked_targets(page: str) -> list[str]:
    """Where every click link in an HTML page or mail leads (hrefs and bare addresses)."""
    prefix = re.escape(f"{current_app.config['APP_URL']}/c/")
    return [target_of(html.unescape(m)) for m in re.findall(prefix + r"[A-Za-z0-9_.\-]+", page)]
