"""The app context a job runs in: the current one (tests, CLI) or one built once per worker."""
from __future__ import annotations

import functools
from contextlib import nullcontext

from flask import Flask, current_app, has_app_context

_worker_app: Flask | None = None


def set_worker_app(app: Flask) -> None:
    """Called once by the worker entry point, so jobs never build an app at import."""
    global _worker_app
    _worker_app = app


def _app_context():
    if has_app_context():
        return nullcontext()
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app.app_context()


def job(func):
    """Run the job inside an app context and always release its DB session."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from app.extensions import db

        with _app_context():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper


def config(name: str):
    return current_app.config[name]
