"""`/r/<token>`: the review link in a mail. Records "reviewed", counts the click, re-plans,
redirects."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, abort, redirect

from app.domain.analytics.attribution import record_click
from app.domain.followups.mail_kinds import KINDS
from app.domain.followups.sync import sync_followups
from app.extensions import db
from app.links.module_clicks import Click
from app.links.review import read_review_click_token, review_target
from app.models import ScheduledMessage

bp = Blueprint("review_clicks", __name__)


@bp.get("/r/<token>")
def follow(token: str):
    message_id = read_review_click_token(token)
    message = db.session.get(ScheduledMessage, message_id) if message_id is not None else None
    if message is None:
        abort(404, description="This link is invalid.")
    now = datetime.now(timezone.utc)
    order = message.order
    target = review_target(order)
    # Counted and credited like every mail link (app/web/module_clicks.py), under the kind's module.
    click = Click(order.shop_id, order.id, KINDS[message.kind].module, target)
    record_click(db.session, click, now)
    if message.clicked_at is None:
        message.clicked_at = now
        sync_followups(db.session(), [order], now)  # the reminder is no longer wanted
    db.session.commit()
    return redirect(target, code=302), {"Cache-Control": "no-store"}
