"""How many bytes a request body may have, enforced while it is read.

Flask's MAX_CONTENT_LENGTH (app/config.py) caps every request: a Content-Length above it is
413 before anything is read, and a chunked body (no Content-Length; gunicorn terminates the
stream) is read through `CappedStream`, which answers 413 as soon as the body goes past the
limit, so it is never read whole into memory. A route that takes more (webhooks:
MAX_WEBHOOK_BYTES) or far less (a buyer's form) sets its own limit before the body is first
read; `limit_body` does that for a view.
"""
from __future__ import annotations

from functools import wraps

from flask import Request, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

# The buyers' forms: an order number and an address, or a score and a comment of at most
# 1,000 characters (percent-encoded four-byte characters: 12 KB).
FORM_BYTES = 64 * 1024


class CappedStream(LimitedStream):
    """A streamed body read up to `limit` bytes; a longer one raises 413.

    werkzeug's own max-length stream hands out the first `limit` bytes of a longer chunked
    body as if they were all of it (a cut-off webhook would fail its signature with 401, a
    cut-off form would be taken half). Here, at the limit, one more byte is asked for: none
    means the body ended there, any means it is too large.
    """

    def __init__(self, stream, limit: int) -> None:
        super().__init__(stream, limit, is_max=True)
        self._source = stream

    def on_exhausted(self) -> None:
        if self._source.read(1):
            raise RequestEntityTooLarge()

    def readall(self) -> bytes:
        data = super().readall()  # stops at the limit without a word
        if self.is_exhausted:
            self.on_exhausted()
        return data


class BodyLimitedRequest(Request):
    """Flask's request, reading a chunked body through `CappedStream`."""

    @cached_property
    def stream(self):
        if self.shallow:
            raise RuntimeError("This request was created with 'shallow=True', reading from the input "
                               "stream is disabled.")
        limit = self.max_content_length
        if limit is not None and self.content_length is None and "wsgi.input_terminated" in self.environ:
            return CappedStream(self.environ["wsgi.input"], limit)
        return get_input_stream(self.environ, max_content_length=limit)


def limit_body(max_bytes: int | str):
    """Cap the view's request body at `max_bytes`, or at the config value of that name."""

    def decorate(view):
        @wraps(view)
        def limited(*args, **kwargs):
            set_body_limit(max_bytes)
            return view(*args, **kwargs)

        return limited

    return decorate


def set_body_limit(max_bytes: int | str) -> int:
    """This request's body limit from here on (before the body is read); returns it."""
    limit = int(current_app.config[max_bytes]) if isinstance(max_bytes, str) else max_bytes
    request.max_content_length = limit
    return limit
