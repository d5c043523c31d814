"""`/c/<token>`: a click on a module's link in the block, the tracking page or a mail.
Counts it, keeps it for attribution when its module earns credit, redirects to the signed
target. A token we did not sign is refused (401; 400 when damaged): no redirect, nothing counted.

A mail scanner's GET counts as a click too; it can credit an order only when the same
customer orders inside the window, which a scanner does not.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, redirect, request

from app.domain.analytics.attribution import record_click
from app.extensions import db
from app.links.module_clicks import ClickRefused, read_click_token

bp = Blueprint("module_clicks", __name__)
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.get("/c/<token>")
def follow(token: str):
    try:
        click = read_click_token(token)
    except ClickRefused as refused:
        return refused.message, refused.status, {**NO_STORE,
                                                 "Content-Type": "text/plain; charset=utf-8"}
    if request.method == "GET":  # a HEAD is a link checker asking where it goes, not a click
        record_click(db.session, click, datetime.now(timezone.utc))
        db.session.commit()
    return redirect(click.url, code=302), NO_STORE
