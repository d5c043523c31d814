"""Carrier tracking: the shop's provider keys, their state, calls this month, parcels by source."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from flask import abort, current_app, g, request
from sqlalchemy import case, exists, func, select, update

from app.clients.tracking import app_wide_keys, provider_client
from app.domain.arrival.tracking_choice import DHL, PROVIDER_NAMES, SEVENTEENTRACK, fingerprint
from app.domain.orders.facts_versions import FACTS_UNCHANGED
from app.extensions import db
from app.i18n import N_, format_month
from app.jobs import tracking_pacing as pacing
from app.jobs.tracking_bookkeeping import count_call
from app.models import Order, Shipment, TrackingEvent, TrackingProviderKey, TrackingUsage
from app.rate_limits import allow
from app.web.admin import bp
from app.web.admin.activity import log_summary
from app.web.admin.admin_text import admin_language
from app.web.admin.admin_text import admin_text as t
from app.web.admin.layout import render_page, when
from connectors.tracking.base import KeyRefused, ParcelQuery, TrackingProviderError

KEY_PATTERN = re.compile(r"[\x21-\x7e]{8,200}")  # printable ASCII, no spaces
# A number no carrier knows: the test call must come back "not found", which proves the key.
KNOWN_UNKNOWN = {DHL: ParcelQuery("00340434000000000000", carrier="dhl"),
                 SEVENTEENTRACK: ParcelQuery("AS000000000DE")}
CHECKS = (10, 600)  # test calls per shop per window (seconds)
SOURCES = (("provider", N_("admin.tracking_providers.source_provider")),
           ("platform", N_("admin.tracking_providers.source_platform")),
           ("estimate", N_("admin.tracking_providers.source_estimate")))


def _usage(shop_id: int, month: str) -> dict[str, TrackingUsage]:
    rows = db.session.scalars(select(TrackingUsage).where(TrackingUsage.shop_id == shop_id,
                                                          TrackingUsage.month == month))
    return {row.provider: row for row in rows}


def _providers(shop, now: datetime) -> list[dict]:
    own = {row.provider: row for row in db.session.scalars(
        select(TrackingProviderKey).where(TrackingProviderKey.shop_id == shop.id))}
    usage = _usage(shop.id, now.strftime("%Y-%m"))
    app_keys = app_wide_keys()
    cards = []
    for provider, name in PROVIDER_NAMES.items():
        row, app_key = own.get(provider), app_keys.get(provider)
        app_refused = bool(app_key and pacing.app_key_refused(provider, fingerprint(app_key)))
        in_use = row.api_key if row is not None and not row.last_error else (None if app_refused else app_key)
        paused = in_use and pacing.paused_until(provider, fingerprint(in_use), pacing.PassClock(now))
        cards.append({"provider": provider, "name": name, "own": row,
                      "ending": row.api_key[-4:] if row else None,
                      "state": _state(row, app_key, app_refused),
                      "bad": bool(row and row.last_error) or app_refused,
                      "paused": datetime.fromtimestamp(paused, timezone.utc) if paused else None,
                      "calls": usage[provider].calls if provider in usage else 0,
                      "lookups": usage[provider].lookups if provider in usage else 0})
    return cards


def _state(row: TrackingProviderKey | None, app_key: str | None, app_refused: bool) -> str:
    if row is not None and row.last_error:
        return t("admin.tracking_providers.own_refused", error=row.last_error)
    if row is not None and row.verified_at:
        return t("admin.tracking_providers.own_verified", moment=when(row.verified_at))
    if row is not None:
        return t("admin.tracking_providers.own_unverified")
    if app_key and app_refused:
        return t("admin.tracking_providers.default_refused")
    if app_key:
        return t("admin.tracking_providers.default_in_use")
    return t("admin.tracking_providers.no_key")


def _by_source(shop_id: int, now: datetime) -> dict[str, int]:
    """Parcels shipped in the last 30 days, by who told us about them."""
    def said(pattern: str):
        return exists().where(TrackingEvent.shipment_id == Shipment.id, TrackingEvent.source.like(pattern))

    kind = case((said("provider:%"), "provider"), (said("%:carrier"), "platform"), else_="estimate")
    rows = db.session.execute(
        select(kind, func.count()).select_from(Shipment).join(Order, Order.id == Shipment.order_id)
        .where(Order.shop_id == shop_id, Shipment.shipped_at >= now - timedelta(days=30))
        .group_by(kind)).all()
    counts = {key: 0 for key, _ in SOURCES}
    counts.update({key: count for key, count in rows})
    return counts


def _page(status: int = 200, notice=None, errors=None, values=None):
    shop, now = g.admin.shop, datetime.now(timezone.utc)
    return render_page("admin/tracking_providers.html", status, notice=notice, errors=errors or {},
                       values=values or {}, cards=_providers(shop, now), sources=SOURCES,
                       by_source=_by_source(shop.id, now), month=format_month(admin_language(), now),
                       push_url=f"{current_app.config['APP_URL']}/webhooks/tracking/17track")


def _provider_or_404(provider: str) -> str:
    if provider not in PROVIDER_NAMES:
        abort(404, description=t("admin.tracking_providers.no_such_provider", provider=provider))
    return provider


@bp.get("/carrier-tracking")
def tracking_providers():
    """Show each provider's key state, calls this month and the parcels by source."""
    return _page()


@bp.post("/carrier-tracking/<provider>")
def save_tracking_key(provider: str):
    """Store the shop's own key after one test call; a key the provider refuses is not stored."""
    shop, provider = g.admin.shop, _provider_or_404(provider)
    name, key = PROVIDER_NAMES[provider], request.form.get("api_key", "").strip()
    if not KEY_PATTERN.fullmatch(key):
        return _page(422, errors={provider: {"api_key": t("admin.tracking_providers.key_shape")}},
                     values={provider: key})
    if not allow("tracking-key-check", str(shop.id), *CHECKS):
        return _page(429, errors={provider: {"api_key": t("admin.tracking_providers.too_many_checks")}},
                     values={provider: key})
    now = datetime.now(timezone.utc)
    verified, problem = _test_call(shop.id, provider, key, now)
    if problem == "refused":
        return _page(422,
                     errors={provider: {"api_key": t("admin.tracking_providers.key_refused", name=name)}},
                     values={provider: key})
    row = db.session.scalars(select(TrackingProviderKey).where(
        TrackingProviderKey.shop_id == shop.id, TrackingProviderKey.provider == provider)).first()
    if row is None or row.api_key != key:  # never the key in the log, not even its ending
        log_summary("tracking_providers", f"{provider} api_key: changed")
    if row is None:
        row = TrackingProviderKey(shop_id=shop.id, provider=provider, api_key=key)
        db.session.add(row)
    row.api_key, row.last_error, row.verified_at = key, None, now if verified else None
    _rearm_untracked(shop.id, now)
    db.session.commit()
    if verified:
        return _page(notice=t("admin.tracking_providers.key_works", name=name))
    return _page(notice=t("admin.tracking_providers.key_unverified", name=name, problem=problem))


@bp.post("/carrier-tracking/<provider>/remove")
def remove_tracking_key(provider: str):
    """Forget the shop's own key (the app's default, if any, is used again)."""
    shop, provider = g.admin.shop, _provider_or_404(provider)
    row = db.session.scalars(select(TrackingProviderKey).where(
        TrackingProviderKey.shop_id == shop.id, TrackingProviderKey.provider == provider)).first()
    if row is None:
        return _page(notice=t("admin.tracking_providers.no_own_key", name=PROVIDER_NAMES[provider]))
    db.session.delete(row)
    log_summary("tracking_providers", f"{provider} api_key: removed")
    db.session.commit()
    return _page(notice=t("admin.tracking_providers.key_removed", name=PROVIDER_NAMES[provider]))


def _test_call(shop_id: int, provider: str, key: str, now: datetime) -> tuple[bool, str | None]:
    """(verified, problem): one call for a number nobody knows; "refused" when the key is refused."""
    client = provider_client(provider, key)
    try:
        client.track([KNOWN_UNKNOWN[provider]])
    except KeyRefused:
        return False, "refused"
    except TrackingProviderError as exc:
        return False, type(exc).__name__
    finally:
        client.close()
        count_call(shop_id, provider, 1, now)
        db.session.commit()
    return True, None


def _rearm_untracked(shop_id: int, now: datetime) -> None:
    """Parcels of the shop waiting for a provider are looked at now, not tomorrow."""
    orders = select(Order.id).where(Order.shop_id == shop_id)
    shipments = Shipment.metadata.tables[Shipment.__tablename__]  # the Table: a Core statement, no ORM sync
    db.session.execute(update(shipments).where(
        shipments.c.order_id.in_(orders), shipments.c.tracking_provider.is_(None),
        shipments.c.next_poll_at > now).values(next_poll_at=now)
        .execution_options(**{FACTS_UNCHANGED: "when a parcel is looked at next is not shown"}))
