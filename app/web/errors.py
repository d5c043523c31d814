"""Error handlers: JSON for API and webhook paths, HTML elsewhere; 500 rolls back."""
from __future__ import annotations

import logging

from flask import request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.extensions import db

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/webhooks/")) or request.path.endswith(".json")


def _render(status: int, title: str, detail: str, lang: str = "en"):
    if _wants_json():
        return {"status": status, "error": title, "message": detail}, status
    from markupsafe import escape

    body = (f'<!doctype html><html lang="{escape(lang)}"><title>{status} {escape(title)}</title>'
            f"<h1>{escape(title)}</h1><p>{escape(detail)}</p>")
    return body, status, {"Content-Type": "text/html; charset=utf-8"}


def _too_large() -> str:
    limit = request.max_content_length
    return (f"The request body is larger than the {limit:,} bytes this address accepts." if limit
            else "The request body is too large.")


def register_error_handlers(app) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 413:  # werkzeug's text names no limit
            return _render(413, "Content Too Large", _too_large())
        # The admin's refusals come in the merchant's language (app/web/admin/refusals.py).
        return _render(exc.code or 500, exc.name, exc.description or "", getattr(exc, "lang", "en"))

    @app.errorhandler(OperationalError)
    def database_unavailable(exc):
        db.session.rollback()
        log.error("database unavailable: %s", str(exc.orig).strip().splitlines()[0] if exc.orig else exc)
        # 503 makes Shopify and WooCommerce try the webhook again later.
        response = _render(503, "Service Unavailable", "The database is unavailable; try again shortly.")
        return response[0], 503, {"Retry-After": "30"}

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500, "Internal Server Error", "Something went wrong on our side.")
