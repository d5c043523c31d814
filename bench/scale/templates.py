"""The shops, and template orders written by the app itself: the generator's deliveries for a
few hundred whole lifecycles, posted to the real webhook view (Flask test client) and applied
by a real RQ worker running `process_delivery`. The history seeder clones these rows."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from rq import SimpleWorker
from sqlalchemy import func, select, update

from app.extensions import db, queues
from app.models import (
    DeliveryState,
    MessageState,
    Order,
    ScheduledMessage,
    Shop,
    ShopModule,
    WebhookDelivery,
)
from bench.scale.day import day_steps, make_orders
from bench.scale.shops import ShopProfile
from bench.scale.wire import fixed_clock, render

TEMPLATE_ORDERS = 240
TEMPLATE_FIRST_ORDER_ID = 4_000_000_000_000
# The templates live this long ago; clones are moved to their own place in the history.
TEMPLATE_AGE = timedelta(days=300)


def create_shops(profiles: list[ShopProfile]) -> dict[int, int]:
    """Insert the shops with the merchants' module choices; shop index → Shop.id."""
    ids = {}
    for profile in profiles:
        shop = Shop(platform=profile.platform, domain=profile.domain, name=f"Laden {profile.index}",
                    shop_key=profile.shop_key, locale=profile.locale,
                    support_email=f"hilfe@laden{profile.index}.example",
                    existing_customer_exemption=profile.exemption, installed_at=datetime.now(timezone.utc))
        if profile.platform == "shopify":
            shop.access_token = f"shpat_scale{profile.index}"
        else:
            shop.api_key, shop.api_secret = f"ck_scale{profile.index}", f"cs_scale{profile.index}"
            shop.webhook_secret = profile.webhook_secret
        shop.modules = [ShopModule(key=key, enabled=True, settings={}) for key in profile.marketing]
        db.session.add(shop)
        db.session.flush()
        ids[profile.index] = shop.id
    db.session.commit()
    return ids


def play_templates(app, profiles: list[ShopProfile], seed: int, shopify_secret: str, now: datetime,
                   count: int = TEMPLATE_ORDERS) -> list[int]:
    """Play `count` whole lifecycles through the webhook view and a real worker;
    return the template orders' ids. Their mails that were due are marked sent, as the
    clones' will be (`settle_messages`)."""
    orders = make_orders(profiles, count, seed, first_order_id=TEMPLATE_FIRST_ORDER_ID, day=-1)
    clock = fixed_clock(now - TEMPLATE_AGE)
    client = app.test_client()
    for step in day_steps(orders, seed):
        if step.duplicate:
            continue
        delivery = render(step, clock, seed=seed, shopify_secret=shopify_secret)
        answer = client.post(delivery.path, data=delivery.body, headers=delivery.headers)
        if answer.status_code != 200:
            raise RuntimeError(f"template delivery {step.topic} answered {answer.status_code}: {answer.text}")
    SimpleWorker([queues.get("webhooks")], connection=queues.redis).work(burst=True, logging_level="WARNING")
    unprocessed = db.session.scalar(select(func.count()).select_from(WebhookDelivery)
                                    .where(WebhookDelivery.state.not_in((DeliveryState.PROCESSED,
                                                                         DeliveryState.IGNORED))))
    if unprocessed:
        raise RuntimeError(f"{unprocessed} template deliveries were not processed")
    settle_messages(now)
    db.session.commit()
    return list(db.session.scalars(select(Order.id).order_by(Order.id)))


def settle_messages(now: datetime) -> None:
    """History's mails that were due went out; later ones are still planned."""
    db.session.execute(update(ScheduledMessage).where(
        ScheduledMessage.state == MessageState.PLANNED, ScheduledMessage.send_at <= now).values(
        state=MessageState.SENT, queued_at=ScheduledMessage.send_at, sent_at=ScheduledMessage.send_at,
        attempts=1, message_id="<history@scale.example.test>"))
