"""Command line: `flask --app app db|shops|deliveries|dispatch|mail|keys …`."""
from __future__ import annotations

import logging
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.db.migrate import revision as new_revision
from app.db.migrate import upgrade
from app.extensions import db, queues
from app.models import DeliveryState, Shop, WebhookDelivery
from connectors import REGISTRY

db_cli = click.Group("db", help="Database schema.")
shops_cli = click.Group("shops", help="Shops: register without OAuth (demos and tests), backfill, reconcile.")
deliveries_cli = click.Group("deliveries", help="Stored webhook deliveries.")
mail_cli = click.Group("mail", help="Bounce and complaint reports, the suppression list.")
keys_cli = click.Group("keys", help="The keys that encrypt secrets at rest (TOKEN_ENCRYPTION_KEY).")
# sysexits(3), which MTAs read: 65 the input is bad (it is kept), 75 try again later.
EX_DATAERR, EX_TEMPFAIL = 65, 75
log = logging.getLogger(__name__)


@db_cli.command("upgrade")
@click.option("--revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models."""
    new_revision(current_app.config["DATABASE_URL"], message)


@shops_cli.group("add")
def shops_add() -> None:
    """Add a shop."""


@shops_add.command("shopify")
@click.option("--domain", required=True, help="the shop's myshopify.com domain")
@click.option("--access-token", required=True)
@click.option("--name", default=None)
@click.option("--locale", default="de")
@with_appcontext
def add_shopify(domain: str, access_token: str, name: str | None, locale: str) -> None:
    """Register a Shopify shop with an existing Admin API access token."""
    domain = domain.strip().lower()
    if not domain.endswith(".myshopify.com"):
        raise click.BadParameter("must end in .myshopify.com", param_hint="--domain")
    shop = _upsert_shop("shopify", domain, name=name or domain, locale=locale, access_token=access_token)
    click.echo(f"shop {shop.id} {domain}")
    click.echo(f"webhook url: {current_app.config['APP_URL']}/webhooks/shopify")


@shops_add.command("woocommerce")
@click.option("--url", "store_url", required=True, help="the store's base URL")
@click.option("--key", required=True, help="REST consumer key (ck_…)")
@click.option("--secret", required=True, help="REST consumer secret (cs_…)")
@click.option("--webhook-secret", required=True)
@click.option("--name", default=None)
@click.option("--locale", default="de")
@with_appcontext
def add_woocommerce(store_url: str, key: str, secret: str, webhook_secret: str,
                    name: str | None, locale: str) -> None:
    """Register a WooCommerce store with REST keys and a webhook secret."""
    domain = store_url.strip().rstrip("/")
    if not domain.startswith(("https://", "http://")):
        raise click.BadParameter("must start with https://", param_hint="--url")
    shop = _upsert_shop("woocommerce", domain, name=name or domain, locale=locale,
                        api_key=key, api_secret=secret, webhook_secret=webhook_secret)
    click.echo(f"shop {shop.id} {domain}")
    click.echo(f"webhook url: {current_app.config['APP_URL']}/webhooks/woocommerce/{shop.shop_key}")


@shops_cli.command("admin-link")
@click.argument("shop_id", type=int)
@with_appcontext
def admin_link(shop_id: int) -> None:
    """Print a five-minute, one-use sign-in link to a WooCommerce shop's admin (what the
    plugin's "Open Aftersales" button makes), e.g. to look at the admin locally."""
    from app.links.admin_login import sign_login_token

    shop = db.session.get(Shop, shop_id)
    if shop is None or shop.platform != "woocommerce" or not shop.webhook_secret:
        raise click.ClickException("admin links are for connected WooCommerce shops; Shopify signs in "
                                   "through App Bridge inside the Shopify admin")
    token = sign_login_token(shop.shop_key, shop.webhook_secret, 0, time.time())
    click.echo(f"{current_app.config['APP_URL']}/admin/login?token={token}")


def _upsert_shop(platform: str, domain: str, **fields) -> Shop:
    shop = db.session.scalars(select(Shop).where(Shop.platform == platform, Shop.domain == domain)).first()
    if shop is None:
        shop = Shop(platform=platform, domain=domain)
        db.session.add(shop)
    for key, value in fields.items():
        setattr(shop, key, value)
    shop.uninstalled_at = shop.redact_after = None
    db.session.commit()
    return shop


@shops_cli.command("backfill")
@click.argument("shop_id", type=int)
@click.option("--days", default=60, show_default=True, help="how far back (Shopify allows 60 days)")
@click.option("--progress-every", "every", default=500, show_default=True, type=click.IntRange(1),
              help="a progress line on stderr every N orders (and at least every 5 seconds)")
@with_appcontext
def backfill(shop_id: int, days: int, every: int) -> None:
    """Load the shop's orders of the last DAYS days (Shopify's Admin API, WooCommerce's REST API),
    with progress lines on stderr."""
    from datetime import datetime, timedelta, timezone

    from app.clients.platforms import client_for
    from app.jobs.reconcile import reconcile_shop
    from app.progress_lines import ProgressLines
    from connectors.base import ConnectorError, NotSupported

    shop = _cli_shop(shop_id)
    since = datetime.now(timezone.utc) - timedelta(days=days)
    try:
        with client_for(shop) as client:
            total = client.count_orders_updated_since(since)
    except NotSupported:  # counted as the pages come (WooCommerce), or no credentials
        total = None
    except ConnectorError as exc:
        raise click.ClickException(f"backfill: {exc}") from exc
    progress = ProgressLines("backfill", total=total, every=every)
    if total is not None:
        click.echo(f"backfill: {total:,} orders updated since {since.date()}", err=True)
    result = reconcile_shop(shop_id, since=since, progress=progress, on_page=progress.page)
    progress.done()
    _print_result("backfill", result)


@shops_cli.command("parcel-facts")
@click.argument("shop_ids", type=int, nargs=-1)
@with_appcontext
def parcel_facts(shop_ids: tuple[int, ...]) -> None:
    """Rewrite the stored parcel figures (Carriers and WISMO pages) of these shops (default:
    all) from their parcels and events: after a bulk load, or to redo them with a shop's
    changed delivery rule or stall delay. Migration 0026 ran it once."""
    from app.domain.arrival.parcel_records import fill_parcel_facts

    written = fill_parcel_facts(db.session(), shop_ids or None)
    db.session.commit()
    click.echo(f"parcel-facts: {written} parcel(s)")


@shops_cli.command("reconcile")
@click.argument("shop_id", type=int)
@click.option("--progress-every", "every", default=500, show_default=True, type=click.IntRange(1),
              help="a progress line on stderr every N orders (and at least every 5 seconds)")
@with_appcontext
def reconcile(shop_id: int, every: int) -> None:
    """One reconciliation pass now, as the periodic job runs it: orders updated since the shop's
    cursor, then (where the platform needs it) recent orders without a parcel re-read and
    webhooks repaired. Progress lines on stderr, counts on stdout."""
    from app.jobs.reconcile import reconcile_shop
    from app.progress_lines import ProgressLines

    _cli_shop(shop_id)
    progress = ProgressLines("reconcile", every=every)
    result = reconcile_shop(shop_id, progress=progress, on_page=progress.page)
    progress.done()
    _print_result("reconcile", result)


def _cli_shop(shop_id: int) -> Shop:
    shop = db.session.get(Shop, shop_id)
    if shop is None or shop.platform not in REGISTRY:
        raise click.ClickException(f"no shop {shop_id}")
    return shop


def _print_result(command: str, result: dict) -> None:
    """`backfill: applied 3, since …` on stdout; a skipped or failed pass is an error (exit 1)."""
    if "skipped" in result or "error" in result:
        raise click.ClickException(f"{command}: {result.get('error') or result.get('skipped')}")
    shown = {key: ("/".join(value) or "none") if isinstance(value, list) else value
             for key, value in result.items()}
    click.echo(f"{command}: " + ", ".join(f"{key} {value}" for key, value in shown.items()))


@deliveries_cli.command("replay")
@click.argument("delivery_id", type=int)
@click.option("--now", "inline", is_flag=True, help="process here instead of enqueueing")
@with_appcontext
def replay(delivery_id: int, inline: bool) -> None:
    """Process a stored delivery again (after a fix, or one that was malformed)."""
    from app.jobs.deliveries import delivery_job_id, process_delivery

    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise click.ClickException(f"no delivery {delivery_id}")
    if delivery.body is None:
        raise click.ClickException(f"delivery {delivery_id} has no body left to replay (dropped after "
                                   "WEBHOOK_BODY_RETENTION_DAYS, or by a redaction)")
    delivery.state, delivery.error = DeliveryState.RECEIVED, None
    db.session.commit()
    if inline:
        click.echo(process_delivery(delivery_id))
    else:
        queues.enqueue("webhooks", process_delivery, delivery_id, job_id=delivery_job_id(delivery_id))
        click.echo(f"delivery {delivery_id} enqueued")


@deliveries_cli.command("list")
@click.option("--state", default=None, type=click.Choice([s.value for s in DeliveryState]))
@click.option("--limit", default=20)
@with_appcontext
def list_deliveries(state: str | None, limit: int) -> None:
    """Show recent deliveries with their state and error."""
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if state:
        query = query.where(WebhookDelivery.state == state)
    for d in db.session.scalars(query):
        click.echo(f"{d.id}\t{d.platform}\t{d.topic}\t{d.state}\t{d.error or ''}")


@click.command("dispatch")
@with_appcontext
def dispatch_command() -> None:
    """Run one dispatcher pass (due mails onto the queue, lost work redriven)."""
    from app.jobs.dispatch import dispatch_due

    click.echo(dispatch_due())


@mail_cli.command("ingest-feedback")
@click.option("--recipient", envvar=["ORIGINAL_RECIPIENT", "RECIPIENT"], default=None,
              help="the envelope recipient (bounces+<token>@BOUNCE_DOMAIN); Postfix's local(8) sets "
                   "ORIGINAL_RECIPIENT, pipe(8) passes ${original_recipient}")
@with_appcontext
def ingest_feedback(recipient: str | None) -> None:
    """Read one bounce (DSN, or qmail's or Exchange's plain text) or complaint (ARF) from stdin,
    as an MTA pipe delivers it."""
    from sqlalchemy.exc import OperationalError

    from app.mail.feedback_intake import MAX_REPORT_BYTES, take_report

    raw = sys.stdin.buffer.read(MAX_REPORT_BYTES + 1)
    if len(raw) > MAX_REPORT_BYTES:
        click.echo(f"report larger than {MAX_REPORT_BYTES} bytes: refused, not kept", err=True)
        raise SystemExit(EX_DATAERR)
    try:
        result = take_report(raw, "pipe", recipient)
    except OperationalError as exc:
        click.echo(f"database unavailable, deliver again later: {type(exc).__name__}", err=True)
        raise SystemExit(EX_TEMPFAIL) from exc
    if result.malformed:
        click.echo(f"malformed report, kept as feedback {result.feedback_id}: {result.malformed}", err=True)
        raise SystemExit(EX_DATAERR)
    click.echo(f"feedback {result.feedback_id}: {result.outcome}")


@mail_cli.command("replay-feedback")
@click.argument("feedback_id", type=int)
@with_appcontext
def replay_feedback_command(feedback_id: int) -> None:
    """Read a kept malformed report again (after a fix)."""
    from app.mail.feedback_intake import replay_feedback

    result = replay_feedback(feedback_id)
    if result is None:
        raise click.ClickException(f"no kept malformed report {feedback_id}")
    click.echo(f"feedback {result.feedback_id}: {result.malformed or result.outcome}")


@mail_cli.command("lift-suppression")
@click.option("--shop", "shop_key", required=True, help="the shop's key (as in its WooCommerce webhook URL)")
@click.option("--email", required=True, help="the address to take off the list (never logged)")
@click.option("--reason", required=True, help="why, for the log, e.g. 'buyer asked by phone to be re-added'")
@click.option("--by", "lifted_by", required=True, help="who lifts it (or asked for it), for the log")
@with_appcontext
def lift_suppression_command(shop_key: str, email: str, reason: str, lifted_by: str) -> None:
    """Take an address off a shop's suppression list (a mistaken unsubscribe, a mailbox
    that works again); logs who and why, never the address."""
    from app.domain.privacy.suppressions import lift_suppression, log_lift

    shop = db.session.scalars(select(Shop).where(Shop.shop_key == shop_key)).first()
    if shop is None:
        raise click.ClickException(f"no shop with key {shop_key}")
    was = lift_suppression(db.session(), shop.id, email)
    if was is None:
        raise click.ClickException(f"that address is not on shop {shop.id}'s suppression list")
    db.session.commit()
    log_lift(shop.id, was, lifted_by, reason)
    click.echo(f"lifted ({was}); marketing mail still needs the buyer's consent")


@keys_cli.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000),
              help="rows per transaction")
@with_appcontext
def rotate_keys_command(batch_size: int) -> None:
    """Re-encrypt every stored secret under the first key of TOKEN_ENCRYPTION_KEY.

    To rotate: set TOKEN_ENCRYPTION_KEY=NEW,OLD (new key first, old kept), restart the app
    and workers, run this, and drop OLD only after it exits 0. Safe to run again, and
    while the app runs.
    """
    from app.keys.rotation import NAMED_UNREADABLE, rotate_secrets

    assert db.engine is not None, "with_appcontext made the app, which binds the database"
    report = rotate_secrets(db.engine, batch_size, progress=click.echo)
    click.echo(report.summary())
    if report.unreadable:
        named = ", ".join(report.unreadable[:NAMED_UNREADABLE])
        more = len(report.unreadable) - NAMED_UNREADABLE
        raise click.ClickException(
            f"{len(report.unreadable)} stored secret(s) cannot be decrypted with any configured key "
            f"({named}{f' and {more} more' if more > 0 else ''}); put back the key that wrote them "
            "before dropping any")
