"""gunicorn's entry (Procfile): `gunicorn … 'app.wsgi:create()'`.

create_app with start-up errors said in one line: a ConfigError becomes gunicorn's
AppImportError, which gunicorn prints as it is (no traceback) before the master shuts down
("App failed to load.", exit code 4). A database that does not answer does not stop the web
server (/healthz/ready answers 503 until it does); each worker says so once, in one log line.
"""
from __future__ import annotations

import logging

from gunicorn.errors import AppImportError

from app.observability.startup_errors import ServiceUnreachable, StartupError, check_database


def create():
    from app import create_app

    try:
        app = create_app()
    except StartupError as exc:
        raise AppImportError(exc.line()) from None
    try:
        check_database(app.config["DATABASE_URL"], timeout=3)
    except ServiceUnreachable as exc:
        logging.getLogger("app.wsgi").warning("%s; /healthz/ready answers 503 until it answers", exc.line())
    return app
