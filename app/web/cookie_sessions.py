"""Flask's signed-cookie session, opened only when there is a cookie to open.

Only the admin signs a merchant in with a session cookie; the webhook intake, the block API,
the tracking page and every other machine or buyer endpoint never read or write one. Flask's
`SecureCookieSessionInterface` still builds its itsdangerous serializer on every request to
find no cookie, and reads seven cookie settings to write none (about 100 Python calls of a
304: `python -m bench.path_counts`, docs/benchmarks.md). `app.session_interface` is Flask's
documented place to choose the session's implementation; this one answers exactly as
Flask's does (an empty session with no cookie; no cookie and no `Vary` when a session was
neither read nor written) and hands everything else to it.
"""
from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin


class CookieOnlySessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()  # what Flask returns for no cookie, without its serializer
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session and not session.modified and not session.accessed:
            return  # Flask would read the cookie settings and then do nothing
        super().save_session(app, session, response)
