"""Endpoints that machines POST to (platform webhooks, carrier pushes, mail reports): how they
answer, and how they take the body.

Every answer is JSON `{"status": …, "message": …}` with that status, so a sender's log says
why. Anything but POST is 405 before the body is read; the body is read through its own limit
(app/web/body_limits.py), so a chunked body stops there too, and a longer one is 413.
"""
from __future__ import annotations

from flask import abort, make_response, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.web.body_limits import set_body_limit


def answer(status: int, message: str):
    """The JSON answer of a machine endpoint."""
    return {"status": status, "message": message}, status


def require_post(what: str) -> None:
    """405 (answered at once) unless the request is a POST; `what`: the things POSTed here."""
    if request.method != "POST":
        abort(make_response(answer(405, f"method not allowed: {what} are POSTed")))


def capped_body(max_bytes: int | str, too_large: str = "body too large") -> bytes:
    """The body, read through `max_bytes` (bytes, or a config name); past it, 413 at once."""
    set_body_limit(max_bytes)
    try:
        return request.get_data(cache=False)
    except RequestEntityTooLarge:
        abort(make_response(answer(413, too_large)))
