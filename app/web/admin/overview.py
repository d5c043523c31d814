"""Overview: is the shop connected, are webhooks arriving, what did mail do today."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask import current_app, g
from sqlalchemy import and_, func, or_, select

from app.domain.arrival.edd import zone
from app.domain.followups.survey import net_promoter_score
from app.domain.shop.connection_health import connection_health
from app.extensions import db
from app.models import MessageState, ScheduledMessage, WebhookDelivery
from app.models.states import MESSAGE_PENDING
from app.web.admin import bp
from app.web.admin.admin_text import admin_language
from app.web.admin.editor_links import PLACEMENTS, editor_link
from app.web.admin.layout import render_page

RECENT_DELIVERIES = 10
NPS_WINDOW = timedelta(days=90)


def _today_bounds(tz_name: str | None, now: datetime) -> tuple[datetime, datetime]:
    """Today's midnight and the next in the shop's time zone, as UTC (stored times are UTC): 23
    or 25 hours apart on a clock change."""
    local = now.astimezone(zone(tz_name))
    start, end = (datetime.combine(day, time(0), tzinfo=local.tzinfo).astimezone(timezone.utc)
                  for day in (local.date(), local.date() + timedelta(days=1)))
    return start, end


def mail_counts(shop_id: int, tz_name: str | None, now: datetime) -> dict[str, int]:
    """Mails planned for today (still to go), sent today and skipped today."""
    start, end = _today_bounds(tz_name, now)
    m = ScheduledMessage
    rows = db.session.execute(
        select(m.state, func.count()).where(m.shop_id == shop_id, or_(
            and_(m.state.in_(MESSAGE_PENDING), m.send_at < end),
            and_(m.state == MessageState.SENT, m.sent_at >= start),
            and_(m.state == MessageState.SKIPPED, m.updated_at >= start),
        )).group_by(m.state)
    ).all()
    counts = dict(rows)
    return {"planned": sum(counts.get(state, 0) for state in MESSAGE_PENDING),
            "sent": counts.get(MessageState.SENT, 0),
            "skipped": counts.get(MessageState.SKIPPED, 0)}


def shop_deliveries(shop):
    """The shop's deliveries: WooCommerce's carry the shop id (their address names the shop),
    Shopify's only the shop's domain (one address serves every shop)."""
    return or_(WebhookDelivery.shop_id == shop.id,
               and_(WebhookDelivery.shop_id.is_(None), WebhookDelivery.platform == shop.platform,
                    WebhookDelivery.shop_domain == shop.domain))


@bp.get("/")
def overview():
    """Show connection health, the last webhook deliveries, today's mail and the survey's NPS."""
    shop = g.admin.shop
    deliveries = db.session.scalars(
        select(WebhookDelivery).where(shop_deliveries(shop))
        .order_by(WebhookDelivery.received_at.desc()).limit(RECENT_DELIVERIES)).all()
    now = datetime.now(timezone.utc)
    lang = admin_language()
    health = connection_health(shop, lang)
    client_id = current_app.config["SHOPIFY_API_KEY"]
    placements = [(placement, editor_link(shop.domain, client_id, placement))
                  for placement in PLACEMENTS] if shop.platform == "shopify" else []
    return render_page("admin/overview.html", deliveries=deliveries,
                       counts=mail_counts(shop.id, shop.timezone, now),
                       nps=net_promoter_score(db.session(), shop.id, now - NPS_WINDOW), health=health,
                       placements=placements)
