"""The live preview on the Modules page: a module's settings as the merchant is typing them,
shown on a sample order before anything is saved.

The page posts the form's current values here (the same fields, the same CSRF token or App
Bridge id token as its Save); they are validated by the same `validate_settings` as a save,
and on success put on a view of the shop (`TrialShop`, a `ShopView`) that the real presenter, mail
renderer and planner read instead of the stored module. Nothing is written: the stand-in
holds the edited settings in plain objects, never in an ORM row. The answer is an HTML
fragment the page swaps into the module's card (script in templates/admin/modules.html).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from babel.numbers import format_decimal
from flask import abort, g, render_template, request

from app.domain.arrival.edd import DeliveryRule
from app.domain.arrival.stalls import stalled_at
from app.domain.arrival.work_calendars import is_working_day
from app.domain.followups.mail_kinds import KINDS, MailKind
from app.domain.followups.recommendations import TABLE_VERSION as RECOMMENDATIONS_VERSION
from app.domain.followups.rules import History, plan_followups
from app.domain.followups.vouchers import UNIQUE, VoucherSetting, voucher_setting
from app.domain.orders.sample_orders import sample_message, sample_order
from app.domain.privacy.suppressions import UNKNOWN
from app.domain.shop.module_fields import ModuleSpec, module_specs, validate_settings
from app.domain.shop.modules import module_settings
from app.i18n import format_date, format_timestamp, translator
from app.mail.render import render_message
from app.models import Shop
from app.presenters import order_status, shop_zone
from app.read_model.from_orm import module_views, shop_view
from app.read_model.views import ModuleView, OrderView, ShopView, SurveyAnswerView
from app.web.admin import bp
from app.web.admin.admin_text import admin_language
from app.web.admin.admin_text import admin_text as t

LANGUAGES = ("de", "en")
# The sample states a block module is previewed in: where what its settings change shows.
# "answered": delivered, with the sample buyer's survey answer (the thanks shows the voucher).
BLOCK_STATES: dict[str, tuple[str, ...]] = {
    "delivery_status": ("shipped",), "tracking": ("shipped",),
    "delivery_estimate": ("processing", "shipped"), "survey": ("shipped", "delivered", "answered"),
    "banner": ("shipped", "delivered"), "faq": ("shipped", "delivered"),
}
DEFAULT_BLOCK_STATES = ("delivered",)
# The holidays a delivery promise skips, listed this far ahead (a region's own come seldom).
CLOSED_DAYS_AHEAD = 180
# The sample order of a delivery estimate is placed at this hour (shop time) of its next
# business day, so the cutoff hour on either side of it moves the promise.
SAMPLE_ORDER_HOUR = 13
# Products to recommend while the shop has no table of its own yet (it is learned daily).
SAMPLE_RECOMMENDATIONS: dict[str, Any] = {
    "version": RECOMMENDATIONS_VERSION, "computed_at": "2026-01-01T00:00:00+00:00", "source": "sample",
    "products": [["502", "Leinenhose", "https://example.com/products/502"],
                 ["503", "Leinenschal", "https://example.com/products/503"],
                 ["504", "Wäschebeutel", "https://example.com/products/504"]],
    "pairs": {"501": [[0, 5]]},
}


# The shop as it would be with the settings as typed: the read model's view of the real shop
# with the edited modules (and, on the content page, its own fields) replaced. Nothing is written.
TrialShop = ShopView


def trial_shop(shop: Shop, key: str, settings: dict[str, Any], enabled: bool = True) -> TrialShop:
    """`shop` with module `key` switched to `enabled` and `settings` merged over its stored
    ones, as `save_module` would store them."""
    return with_modules(shop, {key: settings}, enabled)


def with_modules(shop: Shop, edited: dict[str, dict[str, Any]], enabled: bool = True,
                 **attributes: Any) -> TrialShop:
    """`shop` with each module of `edited` switched to `enabled` and its settings merged over
    the stored ones; `attributes` stand in for the shop's own (name, branding, ...)."""
    stored = {m.key: m for m in shop.modules}
    replaced = []
    for key, settings in edited.items():
        row = stored.get(key)
        derived = row.derived if row is not None else None
        if key == "recommendations" and not derived:
            derived = SAMPLE_RECOMMENDATIONS
        replaced.append(ModuleView(key=key, enabled=enabled, derived=derived,
                                   settings={**((row and row.settings) or {}), **settings}))
    kept = tuple(m for m in module_views(shop) if m.key not in edited)
    return replace(shop_view(shop, (*kept, *replaced)), **attributes)


@dataclass(frozen=True)
class MailPreview:
    lang: str
    subject: str
    sender: str
    reply_to: str | None
    html: str
    text: str


def _kind_of(spec: ModuleSpec) -> MailKind:
    return next(kind for kind in KINDS.values() if kind.module == spec.key and not kind.on_request)


def _sample_for(shop: TrialShop, key: str, state: str, lang: str, now: datetime) -> OrderView:
    """The sample order in `state`, set up so that what module `key`'s settings change shows."""
    order = sample_order(shop, "delivered" if state == "answered" else state, lang, now)
    if state == "answered":
        order = replace(order, survey_answer=SurveyAnswerView(id=0, order_id=order.id or 0, score=9))
    if key == "newsletter" and order.customer is not None:  # the sign-up shows to a buyer not yet subscribed
        order = replace(order, customer=replace(order.customer, marketing_consent=UNKNOWN))
    if key == "tracking":  # a parcel whose carrier the platform did not name
        order = replace(order, shipments=tuple(replace(parcel, carrier=None) for parcel in order.shipments))
    if key == "delivery_estimate" and state == "processing":
        placed = sample_placed_at(shop, now)
        order = replace(order, placed_at=placed, created_at=placed)
    return order


def sample_placed_at(shop: TrialShop, now: datetime) -> datetime:
    """SAMPLE_ORDER_HOUR on the shop's next business day (today's if still ahead), shop time."""
    rule = DeliveryRule.from_settings(module_settings(shop, "delivery_estimate"))
    zone = shop_zone(shop)
    local = now.astimezone(zone)
    day = local.date() if local.hour < SAMPLE_ORDER_HOUR else local.date() + timedelta(days=1)
    while not is_working_day(day, rule.origin_country, rule.origin_region):
        day += timedelta(days=1)
    return datetime.combine(day, time(SAMPLE_ORDER_HOUR), zone).astimezone(timezone.utc)


def closed_days(shop: TrialShop, now: datetime) -> list[date]:
    """The weekdays the delivery promise counts as closed (public holidays of the origin)."""
    rule = DeliveryRule.from_settings(module_settings(shop, "delivery_estimate"))
    today = now.astimezone(shop_zone(shop)).date()
    days = (today + timedelta(days=n) for n in range(CLOSED_DAYS_AHEAD))
    return [day for day in days if day.weekday() < 5 and not is_working_day(day, rule.origin_country,
                                                                          rule.origin_region)]


def block_previews(shop: TrialShop, key: str, now: datetime) -> list[dict[str, Any]]:
    """The whole block for the sample order in each of module `key`'s states, in the admin's
    language: what a buyer would see."""
    lang = admin_language()
    previews = []
    for state in BLOCK_STATES.get(key, DEFAULT_BLOCK_STATES):
        facts = order_status(_sample_for(shop, key, state, lang, now), lang, now)
        label = t("admin.preview.answered") if state == "answered" else facts["order"]["status_label"]
        previews.append({"state": state, "label": label, "facts": facts, "t": translator(facts["locale"])})
    return previews


def unique_voucher(shop: TrialShop, spec: ModuleSpec) -> VoucherSetting | None:
    """The single-use voucher each buyer would get, as the issuer reads the settings."""
    setting = voucher_setting(module_settings(shop, spec.key))
    return setting if setting.mode == UNIQUE else None


def mail_previews(shop: TrialShop, kind: MailKind, now: datetime) -> list[MailPreview]:
    """The kind's mail for its sample order in each language, through the real renderer."""
    previews = []
    for lang in LANGUAGES:
        mail = render_message(sample_message(shop, kind.key, lang, now))
        previews.append(MailPreview(lang=lang, subject=mail["Subject"] or "", sender=mail["From"] or "",
                                    reply_to=mail["Reply-To"],
                                    html=mail.html or "", text=mail.text))
    return previews


def planned_at(shop: TrialShop, kind: MailKind, now: datetime) -> datetime | None:
    """When the planner would send this kind for its sample order (a stall's notice: when the
    sample parcel would count as stalled if the carrier stayed quiet); None when not planned."""
    message = sample_message(shop, kind.key, admin_language(), now)
    order = message.order
    if kind.key == "delayed":  # its sample is about a delivered parcel; a stall needs one underway
        underway = sample_order(shop, "shipped", admin_language(), now)
        return next(iter(_moments(stalled_at(underway, shop, parcel) for parcel in underway.shipments)), None)
    history = History(review_sent_at=now) if kind.key == "review_reminder" else History()
    plans = plan_followups(order, shop, now, history)
    return next(iter(_moments(plan.send_at for plan in plans if plan.kind == kind.key)), None)


def _moments(values: Iterable[datetime | None]) -> list[datetime]:
    return sorted(value for value in values if value is not None)


def fragment(status: int, **context: Any) -> tuple[str, int, dict[str, str]]:
    body = render_template("admin/_live_preview.html", t=t, **context)
    return body, status, {"Content-Security-Policy": g.admin.frame_ancestors(), "Cache-Control": "no-store"}


def _render(spec: ModuleSpec, shop: TrialShop, now: datetime,
            switched_off: bool) -> tuple[str, int, dict[str, str]]:
    lang = admin_language()
    common: dict[str, Any] = {"title": t(spec.title), "switched_off": switched_off,
                              "voucher": unique_voucher(shop, spec),
                              "amount": lambda value: format_decimal(value, locale=lang)}
    if spec.group == "block":
        closed = [format_date(lang, day) for day in closed_days(shop, now)] \
            if spec.key == "delivery_estimate" else None
        return fragment(200, blocks=block_previews(shop, spec.key, now), closed_days=closed, **common)
    kind = _kind_of(spec)
    planned = planned_at(shop, kind, now)
    return fragment(200, mails=mail_previews(shop, kind, now), show_planned=True, planned=planned,
                     planned_text=format_timestamp(lang, planned, shop_zone(shop)) if planned else None,
                     **common)


@bp.post("/modules/<key>/preview")
def preview_module(key: str) -> tuple[str, int, dict[str, str]]:
    """The module's block or mail on a sample order with the posted (unsaved) settings."""
    spec = module_specs().get(key)
    if spec is None:
        abort(404, description=t("admin.modules.no_such_module", module=key))
    settings, errors = validate_settings(spec, request.form, admin_language())
    if errors:
        labels = {field.name: t(field.label) for field in spec.fields}
        return fragment(422, errors=[(name, labels.get(name, name), text) for name, text in errors.items()])
    enabled = request.form.get("enabled") == "on"
    shop = trial_shop(g.admin.shop, key, settings)
    return _render(spec, shop, datetime.now(timezone.utc), switched_off=not enabled)
