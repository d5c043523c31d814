"""The live preview on the Modules page: a module's settings as the merchant is typing them,
shown on a sample order before anything is saved.

The page posts the form's current values here (the same fields, the same CSRF token or App
Bridge id token as its Save); they are validated by the same `validate_settings` as a save,
and on success put on a stand-in of the shop (`TrialShop`) that the real presenter, mail
renderer and planner read instead of the stored module. Nothing is written: the stand-in
holds the edited settings in plain objects, never in an ORM row. The answer is an HTML
fragment the page swaps into the module's card (script in templates/admin/modules.html).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

from flask import abort, g, render_template, request

from app.domain.arrival.stalls import stalled_at
from app.domain.followups.mail_kinds import KINDS, MailKind
from app.domain.followups.rules import History, plan_followups
from app.domain.orders.sample_orders import sample_message, sample_order
from app.domain.privacy.suppressions import UNKNOWN
from app.domain.shop.module_fields import ModuleSpec, module_specs, validate_settings
from app.i18n import format_timestamp, translator
from app.mail.render import render_message
from app.models import Shop
from app.presenters import order_status, shop_zone
from app.web.admin import bp
from app.web.admin.admin_text import admin_language
from app.web.admin.admin_text import admin_text as t

LANGUAGES = ("de", "en")
# The sample states a block module is previewed in: where what its settings change shows.
BLOCK_STATES: dict[str, tuple[str, ...]] = {
    "delivery_status": ("shipped",), "tracking": ("shipped",),
    "delivery_estimate": ("processing", "shipped"), "survey": ("shipped", "delivered"),
    "banner": ("shipped", "delivered"),
}
DEFAULT_BLOCK_STATES = ("delivered",)
# The sample buyer has agreed to marketing (so every mail shows); the newsletter's sign-up
# and its text show only to a buyer who has not subscribed yet.
SAMPLE_CONSENT: dict[str, str] = {"newsletter": UNKNOWN}


class TrialShop:
    """The shop as it would be with one module's settings as typed: every read goes to the
    real shop except `modules`, whose list holds the edited module as a plain object."""

    def __init__(self, shop: Shop, modules: list[Any]) -> None:
        self._shop = shop
        self.modules = modules

    def __getattr__(self, name: str) -> Any:
        return getattr(self._shop, name)


def trial_shop(shop: Shop, key: str, settings: dict[str, Any], enabled: bool = True) -> TrialShop:
    """`shop` with module `key` switched to `enabled` and `settings` merged over its stored
    ones, as `save_module` would store them."""
    stored = next((m for m in shop.modules if m.key == key), None)
    edited = SimpleNamespace(key=key, enabled=enabled, settings={**((stored and stored.settings) or {}), **settings},
                             derived=stored.derived if stored is not None else None)
    return TrialShop(shop, [*(m for m in shop.modules if m.key != key), edited])


@dataclass(frozen=True)
class MailPreview:
    lang: str
    subject: str
    html: str
    text: str


def _kind_of(spec: ModuleSpec) -> MailKind:
    return next(kind for kind in KINDS.values() if kind.module == spec.key and not kind.on_request)


def block_previews(shop: TrialShop, spec: ModuleSpec, now: datetime) -> list[dict[str, Any]]:
    """The whole block for the sample order in each of the module's states, in the admin's
    language: what a buyer would see."""
    lang = admin_language()
    previews = []
    for state in BLOCK_STATES.get(spec.key, DEFAULT_BLOCK_STATES):
        order = sample_order(shop, state, lang, now)
        if spec.key in SAMPLE_CONSENT:
            order.customer.marketing_consent = SAMPLE_CONSENT[spec.key]
        facts = order_status(order, lang, now)
        previews.append({"state": state, "facts": facts, "t": translator(facts["locale"])})
    return previews


def mail_previews(shop: TrialShop, kind: MailKind, now: datetime) -> list[MailPreview]:
    """The kind's mail for its sample order in each language, through the real renderer."""
    previews = []
    for lang in LANGUAGES:
        mail = render_message(sample_message(shop, kind.key, lang, now))
        previews.append(MailPreview(lang=lang, subject=mail["Subject"], html=mail.html or "", text=mail.text))
    return previews


def planned_at(shop: TrialShop, kind: MailKind, now: datetime) -> datetime | None:
    """When the planner would send this kind for its sample order (a stall's notice: when the
    sample parcel would count as stalled if the carrier stayed quiet); None when not planned."""
    message = sample_message(shop, kind.key, admin_language(), now)
    order = message.order
    if kind.key == "delayed":
        return next(iter(_moments(stalled_at(order, shop, parcel) for parcel in order.shipments)), None)
    history = History(review_sent_at=now) if kind.key == "review_reminder" else History()
    plans = plan_followups(order, shop, now, history)
    return next(iter(_moments(plan.send_at for plan in plans if plan.kind == kind.key)), None)


def _moments(values: Iterable[datetime | None]) -> list[datetime]:
    return sorted(value for value in values if value is not None)


def _fragment(status: int, **context: Any) -> tuple[str, int, dict[str, str]]:
    body = render_template("admin/_live_preview.html", t=t, **context)
    return body, status, {"Content-Security-Policy": g.admin.frame_ancestors(), "Cache-Control": "no-store"}


def _render(spec: ModuleSpec, shop: TrialShop, now: datetime, switched_off: bool) -> tuple[str, int, dict[str, str]]:
    if spec.group == "block":
        return _fragment(200, spec=spec, blocks=block_previews(shop, spec, now), switched_off=switched_off)
    kind = _kind_of(spec)
    planned = planned_at(shop, kind, now)
    return _fragment(200, spec=spec, mails=mail_previews(shop, kind, now), planned=planned,
                     planned_text=format_timestamp(admin_language(), planned, shop_zone(shop)) if planned else None,
                     switched_off=switched_off)


@bp.post("/modules/<key>/preview")
def preview_module(key: str) -> tuple[str, int, dict[str, str]]:
    """The module's block or mail on a sample order with the posted (unsaved) settings."""
    spec = module_specs().get(key)
    if spec is None:
        abort(404, description=t("admin.modules.no_such_module", module=key))
    settings, errors = validate_settings(spec, request.form, admin_language())
    if errors:
        labels = {field.name: t(field.label) for field in spec.fields}
        return _fragment(422, spec=spec, errors=[(name, labels.get(name, name), text) for name, text in errors.items()])
    enabled = request.form.get("enabled") == "on"
    shop = trial_shop(g.admin.shop, key, settings)
    return _render(spec, shop, datetime.now(timezone.utc), switched_off=not enabled)
