"""Signed first-party click links: `/c/<token>` counts the click and redirects to the target.

The token carries the shop, the order whose block, page or mail showed the link, the module
(a block module, or a mail kind's module such as `mail_thank_you`) and the target URL; it is
signed by the one link signer (app/links/signer.py, purpose "module-click"; SECRET_KEY_OLD too
while the key is rotated), so the redirect goes only where we sent it (no open redirect). It
holds no time (its issued-at is 0, and the purpose never expires): the bytes of a block answer
stay the same in every process (app/web/presented_cache.py). Links in mails sent before
2026-12-07 carry the itsdangerous format, read until the date in app/links/legacy.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from app.links.signer import BadToken, sign, verify
from connectors.links import web_link

PURPOSE = "module-click"
# Clicks on these earn credit for the orders that follow (app/domain/analytics/attribution.py);
# every mail link does too. Other clicks are only counted.
ATTRIBUTED_ON_PAGE = frozenset({"reorder", "recommendations", "banner"})
MAIL_PREFIX = "mail_"


class ClickRefused(Exception):
    """The token was not ours (status 401) or not a click we know (400)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Click:
    shop_id: int
    order_id: int
    module: str
    url: str

    @property
    def from_mail(self) -> bool:
        return self.module.startswith(MAIL_PREFIX)

    @property
    def attributed(self) -> bool:
        return self.from_mail or self.module in ATTRIBUTED_ON_PAGE


def click_url(order, module: str, target: str | None) -> str | None:
    """The link to show for `target` in the order's block, page or mail; None without a target."""
    if not target or web_link(target) is None or order.id is None:  # an admin preview's sample
        return target
    # Issued "at" 0: the same link from every process and every minute (see above).
    token = sign(PURPOSE, {"s": order.shop_id, "o": order.id, "m": module, "u": target}, now=0)
    return f"{current_app.config['APP_URL']}/c/{token}"


def read_click_token(token: str) -> Click:
    try:
        data = verify(PURPOSE, token)
    except BadToken as error:
        if error.reason == "malformed":
            raise ClickRefused(400, "This link is damaged.") from error
        raise ClickRefused(401, "This link is not one of ours.") from error
    if not (isinstance(data, dict) and type(data.get("s")) is int and type(data.get("o")) is int
            and isinstance(data.get("m"), str) and web_link(data.get("u")) is not None):
        raise ClickRefused(400, "This link is damaged.")
    return Click(data["s"], data["o"], data["m"][:40], data["u"])
