"""How a process that cannot start says why: one line on stderr and an exit code, no traceback.

A setting that is missing or malformed raises ConfigError (app/config.py, exit 2); a database
or Redis that does not answer at start raises ServiceUnreachable (exit 69, EX_UNAVAILABLE), whose
line names the address without its password and what to check. Both are click exceptions, so
the `flask` command prints them in its own way for such errors (`show`, then exit with
`exit_code`); `python -m app.worker` and `python -m app.devstack.local_stack` run their `main` under
`exit_on_startup_error`, and gunicorn loads the app through app/wsgi.py.
"""
from __future__ import annotations

import sys
from collections.abc import Callable

import click

# sysexits(3): a service the process needs is not available.
EX_UNAVAILABLE = 69


class StartupError(click.ClickException):
    """The process cannot start; `line()` says why in one line."""

    exit_code = 2

    def line(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        print(self.line(), file=file or sys.stderr, flush=True)


class ServiceUnreachable(StartupError):
    """The database or Redis did not answer at start."""

    exit_code = EX_UNAVAILABLE

    def __init__(self, service: str, variable: str, url: str, error: BaseException, check: str):
        self.service, self.variable = service, variable
        super().__init__(f"{service} unreachable at {public_url(url)} ({_reason(error)}); check {variable}, "
                         f"{check}")


def public_url(url: str) -> str:
    """`url` without its password (and without anything else if it cannot be parsed)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return url.split(":", 1)[0] + "://…" if "://" in url else "(unparsable URL)"
    # set() would keep a None; an empty user (redis://:pw@host) goes too.
    return parsed._replace(password=None,
                           username=parsed.username or None).render_as_string(hide_password=False)


def _reason(error: BaseException) -> str:
    """The first line of the driver's own message (SQLAlchemy wraps it), addresses scrubbed."""
    from app.observability.privacy_scrub import scrub_addresses

    original = getattr(error, "orig", None) or error
    first = (str(original).strip().splitlines() or [""])[0].strip()
    text = f"{type(original).__name__}: {first}" if first else type(original).__name__
    return scrub_addresses(text[:200])


def check_database(url: str, timeout: int = 5) -> None:
    """Connect once (a fresh connection, `timeout` seconds at most where the driver allows);
    ServiceUnreachable when that fails."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.pool import NullPool

    parsed = make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    options = {"timeout": timeout} if sqlite else {"connect_timeout": timeout} \
        if parsed.get_backend_name() == "postgresql" else {}
    engine = create_engine(parsed, poolclass=NullPool, connect_args=options)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        check = ("that its folder exists and is writable by this user" if sqlite else
                 "that the server is running and accepts connections from this host "
                 "(host, port, user, password, database name)")
        raise ServiceUnreachable("database", "DATABASE_URL", url, exc, check) from None
    finally:
        engine.dispose()


def check_redis(url: str, timeout: float = 5) -> None:
    """PING once; ServiceUnreachable when that fails."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        raise ServiceUnreachable(
            "redis", "REDIS_URL", url, exc,
            "that the server is running and accepts connections from this host") from None
    finally:
        client.close()


def exit_on_startup_error(main: Callable[[], int | None]) -> None:
    """Run an entry point's `main`; a StartupError ends the process with its one line."""
    try:
        code = main()
    except StartupError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    sys.exit(code)
