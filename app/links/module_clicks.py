"""Signed first-party click links: `/c/<token>` counts the click and redirects to the target.

The token carries the shop, the order whose block, page or mail showed the link, the module
(a block module, or a mail kind's module such as `mail_thank_you`) and the target URL; it is
signed with SECRET_KEY, so the redirect goes only where we sent it (no open redirect). It
holds no time: the bytes of a block answer stay the same in every process
(app/web/presented_cache.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadPayload, BadSignature, URLSafeSerializer

from connectors.links import web_link

SALT = "module-click-v1"
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


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def click_url(order, module: str, target: str | None) -> str | None:
    """The link to show for `target` in the order's block, page or mail; None without a target."""
    if not target or web_link(target) is None or order.id is None:  # an admin preview's sample
        return target
    token = _serializer().dumps({"s": order.shop_id, "o": order.id, "m": module, "u": target})
    return f"{current_app.config['APP_URL']}/c/{token}"


def read_click_token(token: str) -> Click:
    try:
        data = _serializer().loads(token)
    except BadPayload as error:
        raise ClickRefused(400, "This link is damaged.") from error
    except BadSignature as error:
        raise ClickRefused(401, "This link is not one of ours.") from error
    if not (isinstance(data, dict) and type(data.get("s")) is int and type(data.get("o")) is int
            and isinstance(data.get("m"), str) and web_link(data.get("u")) is not None):
        raise ClickRefused(400, "This link is damaged.")
    return Click(data["s"], data["o"], data["m"][:40], data["u"])
