"""Log lines: one JSON object per line (LOG_FORMAT=json, the default) or plain text (`make run`).

A JSON line holds time (UTC, ISO 8601), level, logger and message, plus request_id while a web
request is served and job_id while an RQ job runs (LogContext; while a send group sends a mail,
that mail's own job id, `message-<id>`, as when it is sent alone), and exception/stack when there
is one. Addresses are scrubbed by the ScrubAddresses filter (app/observability/privacy_scrub.py) before the
line is formatted, in either format.

A request's id is the X-Request-Id its trusted proxy set (TRUSTED_PROXY_COUNT > 0; letters,
digits and `._:-`, at most 128), else a new one; the response carries it back in X-Request-Id.

GunicornLogger puts gunicorn's own lines (its error log and the access log of
`--access-logfile -`) in the same format; a JSON access line names method, path (without the
query string), status, bytes, duration and the request id, never the client's address.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import uuid
from contextvars import ContextVar
from datetime import datetime, timezone

from app.observability.privacy_scrub import ScrubAddresses, scrub_addresses

REQUEST_ID_HEADER = "X-Request-Id"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
_ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# The unit of work one RQ job is doing for the moment, when a job does several (job_unit).
_JOB_UNIT: ContextVar[str | None] = ContextVar("job_unit", default=None)


def current_request_id() -> str | None:
    from flask import g, has_request_context

    return g.get("request_id") if has_request_context() else None


def current_job_id() -> str | None:
    from rq import get_current_job

    unit = _JOB_UNIT.get()
    if unit is not None:
        return unit
    job = get_current_job()
    return job.id if job is not None else None


@contextlib.contextmanager
def job_unit(job_id: str):
    """Log as `job_id` for a while: a send group's lines about one mail carry the id that mail's
    own job has (a retry of it), so one search finds every attempt at it."""
    token = _JOB_UNIT.set(job_id)
    try:
        yield
    finally:
        _JOB_UNIT.reset(token)


class LogContext(logging.Filter):
    """Adds request_id and job_id (None outside a request or a job) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        if getattr(record, "job_id", None) is None:
            record.job_id = current_job_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "job_id"):
            value = getattr(record, key, None)
            if value:
                entry[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_handler(log_format: str, stream=None) -> logging.Handler:
    """The handler create_app puts on the root logger: the format, the ids, no addresses."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(LogContext())
    handler.addFilter(ScrubAddresses())
    return handler


def configure_logging(app) -> None:
    """Root logging in LOG_FORMAT at LOG_LEVEL, unless the process set up logging already
    (as logging.basicConfig does); request ids for `app`."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(log_handler((app.config.get("LOG_FORMAT") or "text").lower()))
        root.setLevel(app.config.get("LOG_LEVEL") or "INFO")
    install_request_ids(app)


def install_request_ids(app) -> None:
    trusted = int(app.config.get("TRUSTED_PROXY_COUNT") or 0) > 0

    @app.before_request
    def take_request_id():
        from flask import g, request

        given = request.headers.get(REQUEST_ID_HEADER, "") if trusted else ""
        g.request_id = given if _ACCEPTED_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response):
        from flask import g

        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response


class JsonAccessFormatter(logging.Formatter):
    """gunicorn's access record (its args are the request's atoms) as a JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        atoms = record.args if isinstance(record.args, dict) else {}
        request_id = atoms.get("{x-request-id}o", "-")
        method, path, status = atoms.get("m") or "-", scrub_addresses(atoms.get("U") or "-"), atoms.get("s")
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": f"{method} {path} {status}",
            "method": method,
            "path": path,
            "status": int(str(status)) if str(status).isdigit() else status,
            "bytes": atoms.get("B"),
            "duration_ms": atoms.get("M"),
        }
        if request_id and request_id != "-":
            entry["request_id"] = request_id
        return json.dumps(entry, ensure_ascii=False, default=str)


try:
    from gunicorn.glogging import Logger as _GunicornBaseLogger
except ImportError:  # pragma: no cover - gunicorn is a dependency; this only keeps imports safe
    _GunicornBaseLogger = object  # type: ignore[misc,assignment]  # a plain base where gunicorn cannot load


class GunicornLogger(_GunicornBaseLogger):
    """`gunicorn --logger-class app.observability.logs.GunicornLogger`: gunicorn's lines in LOG_FORMAT
    (read from the environment: the master has no app config), addresses scrubbed."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        as_json = (os.environ.get("LOG_FORMAT") or "json").strip().lower() == "json"
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if as_json:
                    handler.setFormatter(JsonAccessFormatter() if log is self.access_log else JsonFormatter())
                # The JSON access formatter reads the atoms (scrubbed there); the filter would drop them.
                if not (as_json and log is self.access_log) and not any(
                        isinstance(f, ScrubAddresses) for f in handler.filters):
                    handler.addFilter(ScrubAddresses())
