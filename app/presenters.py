"""One presenter for every output: block JSON, block HTML, tracking page and mails.

It reads an order only as a view (app/read_model/): loaded by id, made from mapped objects or
an admin preview's sample, the same shape."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain.analytics.holdout import MARKETING_BLOCK_MODULES, in_holdout
from app.domain.arrival import carriers, edd
from app.domain.arrival.anchors import awaits_carrier, dispatch_overdue_at
from app.domain.arrival.learned_transit import learned_window, stored_ranges
from app.domain.arrival.stalls import is_stalled
from app.domain.followups.recommendations import MAX_ITEMS, recommend
from app.domain.followups.review_targets import review_link
from app.domain.followups.survey import SCORES, survey_question, survey_voucher
from app.domain.orders.reorder import reorder_url
from app.domain.orders.shipments import PROVIDER_PREFIX
from app.domain.orders.statuses import PAID, OrderStatus
from app.domain.privacy.suppressions import GRANTED
from app.domain.shop.block_content import banner_for, faq_for_order, safe_https, social_links
from app.domain.shop.brand_colours import brand_palette
from app.domain.shop.modules import module_derived, module_enabled, module_settings
from app.i18n import format_day, format_day_range, format_moment, pick_locale, translate
from app.links.module_clicks import click_url
from app.read_model.views import OrderView, ParcelView, ShopView
from connectors.links import web_link

PRESENTER_VERSION = 1
TIMELINE = ("placed", "processing", "shipped", "out_for_delivery", "delivered")
# Where each order status stands on the timeline; the branches stand where the order left
# the happy path (see _reached).
TIMELINE_POSITION = {
    OrderStatus.PLACED: 0, OrderStatus.PROCESSING: 1, OrderStatus.PARTIALLY_SHIPPED: 2,
    OrderStatus.SHIPPED: 2, OrderStatus.OUT_FOR_DELIVERY: 3, OrderStatus.DELIVERED: 4,
}
BRANCHES = {OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.RETURNED,
            OrderStatus.NEEDS_ATTENTION}
# Why an order needs attention, most pressing first: what the buyer should know or do.
ATTENTION_REASONS = ("exception", "attempt_failed", "available_for_pickup", "stalled")
# A parcel gone quiet turns these into "needs attention"; the other branches outrank a stall.
STALLABLE = {OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY}


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def order_status(order: OrderView, locale: str | None = None, now: datetime | None = None,
                 modules: frozenset[str] | None = None) -> dict:
    """The facts a buyer sees about an order, in their language, as plain data.
    `modules`: the module keys wanted, of those switched on (default: all); a mail shows
    the order, the shop and its parcel, and needs no FAQ or recommendations worked out."""
    shop = order.shop
    now = now or datetime.now(timezone.utc)
    lang = pick_locale(locale, order.locale, order.customer.locale if order.customer else None,
                       shop.locale)
    stalled = {s.id for s in _live_parcels(order) if is_stalled(order, shop, s, now)}
    status = OrderStatus(order.status)
    if stalled and status in STALLABLE:
        status = OrderStatus.NEEDS_ATTENTION
    result: dict = {
        "version": PRESENTER_VERSION,
        "locale": lang,
        "order": {
            "name": order.name or f"#{order.platform_order_id}",
            "status": status.value,
            "status_label": translate(lang, f"order.{status.value}"),
            "placed_at": _iso(order.placed_at),
            "currency": order.currency,
            "total": str(order.total_price) if order.total_price is not None else None,
        },
        "shop": {"name": shop.name or shop.domain, "branding": shop.branding or {},
                 "colours": brand_palette(shop.branding)},
        "modules": {},
    }
    held_out = in_holdout(shop, order.id)  # the holdout sees no marketing module

    def wanted(key: str) -> bool:
        return ((modules is None or key in modules) and module_enabled(shop, key)
                and not (held_out and key in MARKETING_BLOCK_MODULES))

    if wanted("delivery_status"):
        result["modules"]["delivery_status"] = {
            "timeline": _timeline(order, status, lang),
            "branch": status.value if status in BRANCHES else None,
            "attention": (_attention(order, stalled, lang) if status == OrderStatus.NEEDS_ATTENTION
                          else _dispatch_attention(order, status, lang, now))}
    if wanted("tracking"):
        detect = bool(module_settings(shop, "tracking").get("detect_carrier", True))
        zone, parcels = shop_zone(shop), _live_parcels(order)
        lines = {line.platform_line_id: line for line in order.lines}
        # A platform that names no lines per parcel (WooCommerce): the only parcel of a fully
        # shipped order carries all of them.
        everything = [(line.platform_line_id, line.quantity) for line in order.lines] if (
            len(parcels) == 1 and order.fulfillment_status == "fulfilled") else []
        result["modules"]["tracking"] = {"parcels": [
            _parcel(shipment, n, lang, detect, shipment.id in stalled, zone, lines, everything)
            for n, shipment in enumerate(parcels, start=1)
        ]}
    optional = {"delivery_estimate": _delivery_estimate, "reorder": _reorder, "review_prompt": _review_prompt,
                "faq": _faq, "banner": _banner, "social": _social, "recommendations": _recommendations,
                "survey": _survey, "newsletter": _newsletter}
    for key, build in optional.items():
        if wanted(key) and (facts := build(order, status, lang, now)) is not None:
            result["modules"][key] = facts
    return result


def _timeline(order: OrderView, status: OrderStatus, lang: str) -> list[dict]:
    """The five steps, each done, current or still to come.

    Delivered is all done. A cancelled, refunded or returned order shows the steps it got
    through as done and none as current (the branch says where it stands); an order that
    needs attention is current where its parcels got to.
    """
    if status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.RETURNED):
        done_through, current = _reached(order), None
    elif status == OrderStatus.NEEDS_ATTENTION:
        current = min(max(_reached(order), 2), 3)
        done_through = current - 1
    elif status == OrderStatus.DELIVERED:
        done_through, current = len(TIMELINE) - 1, None
    else:
        current = TIMELINE_POSITION[status]
        done_through = current - 1
    return [{"step": step, "label": translate(lang, f"order.{step}"),
             "state": "done" if index <= done_through else "current" if index == current else "todo"}
            for index, step in enumerate(TIMELINE)]


def _reached(order: OrderView) -> int:
    """The furthest timeline step the order's facts show, whatever happened after."""
    parcels = _live_parcels(order)
    statuses = {s.status for s in parcels}
    if "delivered" in statuses or any(s.delivered_at for s in parcels):
        return 4
    if "out_for_delivery" in statuses:
        return 3
    if statuses - {"pending"}:
        return 2
    return 1 if order.financial_status in PAID or order.financial_status == "refunded" else 0


def _attention(order: OrderView, stalled: set[int], lang: str) -> dict | None:
    """The most pressing reason among the parcels, in the buyer's words."""
    found = {s.status for s in _live_parcels(order)} | ({"stalled"} if stalled else set())
    reason = next((r for r in ATTENTION_REASONS if r in found), None)
    return {"reason": reason, "text": translate(lang, f"attention.{reason}")} if reason else None


def _dispatch_attention(order: OrderView, status: OrderStatus, lang: str, now: datetime) -> dict | None:
    """A paid order still waiting to leave the shop past the merchant's days: said plainly."""
    if status != OrderStatus.PROCESSING:
        return None
    overdue = dispatch_overdue_at(order, order.shop)
    if overdue is None or _aware(overdue) > now:
        return None
    return {"reason": "not_shipped", "text": translate(lang, "attention.not_shipped")}


def _live_parcels(order: OrderView) -> list[ParcelView]:
    return [s for s in order.shipments if s.status != "cancelled"]


def _parcel(shipment: ParcelView, number: int, lang: str, detect_carrier: bool, stalled: bool, zone: ZoneInfo,
            lines: dict, everything: list) -> dict:
    carrier = carriers.resolve(shipment.carrier, shipment.tracking_number, detect_missing=detect_carrier)
    return {
        "id": shipment.id,
        "label": translate(lang, "block.parcel", n=number),
        "carrier": carrier.name,
        "carrier_source": carrier.source,
        "tracking_number": shipment.tracking_number,
        # The platform's link first: it may carry a postcode or a branded page we cannot build.
        # Re-checked here too: a row stored before the connectors checked links may hold any.
        "tracking_url": web_link(shipment.tracking_url) or carrier.tracking_url(shipment.tracking_number),
        "status": shipment.status,
        "status_label": translate(lang, f"parcel.{shipment.status}"),
        "stalled": stalled,
        "shipped_at": _iso(shipment.shipped_at),
        "delivered_at": _iso(shipment.delivered_at),
        # Newest first, with the day and time in the shop's zone and, where a tracking provider
        # gave them, the carrier's own words.
        "events": [
            {"status": e.status, "label": translate(lang, f"parcel.{e.status}"),
             "at": _iso(e.happened_at), "location": e.location,
             "at_label": format_moment(lang, _aware(e.happened_at), zone) if e.happened_at else None,
             "detail": e.message if (e.source or "").startswith(PROVIDER_PREFIX) else None}
            for e in sorted(shipment.events, key=lambda e: _aware(e.happened_at) or _EPOCH, reverse=True)
        ],
        # Where to collect it, while it waits at a pickup point (the carrier's data, via a provider).
        "pickup_point": _pickup_point(shipment, lang),
        # What travels in this parcel: the order's lines it carries, with the product's
        # picture where the platform named one (re-checked: https only, like the CSP's img-src).
        "contents": [{"title": lines[line_id].title, "quantity": int(quantity),
                      "image_url": web_link(lines[line_id].image_url, https_only=True)}
                     for line_id, quantity in (shipment.line_items or everything) if line_id in lines],
    }


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _pickup_point(shipment: ParcelView, lang: str) -> dict | None:
    point = shipment.pickup_point
    if shipment.status != "available_for_pickup" or not isinstance(point, dict) or not point.get("address"):
        return None
    return {"title": translate(lang, "block.pickup_point"), "name": point.get("name"),
            "address": point["address"], "opening_hours": point.get("opening_hours")}


# Where an estimate still means something: paid, not yet delivered, outside the dead-end
# branches. An unpaid order (bank transfer, invoice) leaves when the money arrives: a date
# counted from the order would turn into a false "running late".
ESTIMATE_STATUSES = {OrderStatus.PROCESSING, OrderStatus.PARTIALLY_SHIPPED,
                     OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.NEEDS_ATTENTION}
SHIPPED_STATUSES = {OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.NEEDS_ATTENTION}


def shop_zone(shop: ShopView) -> ZoneInfo:
    try:
        return ZoneInfo(shop.timezone or "Europe/Berlin")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Europe/Berlin")


def _delivery_estimate(order: OrderView, status: OrderStatus, lang: str, now: datetime) -> dict | None:
    """The delivery window, or an honest apology once its last day has passed."""
    if status not in ESTIMATE_STATUSES:
        return None
    zone = shop_zone(order.shop)
    if status == OrderStatus.OUT_FOR_DELIVERY:  # the carrier's own word beats any estimate
        today = now.astimezone(zone).date().isoformat()
        return {"state": "expected", "source": "tracking", "earliest": today, "latest": today,
                "title": translate(lang, "edd.title"), "text": translate(lang, "edd.today"),
                "source_label": translate(lang, "edd.source.tracking")}
    underway = [s for s in _live_parcels(order) if s.status != "delivered"]
    shipped = [s.shipped_at for s in underway if s.shipped_at] if status in SHIPPED_STATUSES else []
    # The range this shop's own deliveries teach for the parcels' carrier and destination.
    learned = learned_window(
        [(_aware(s.shipped_at), s.carrier, s.tracking_number) for s in underway], order.shipping_country,
        stored_ranges(module_derived(order.shop, "delivery_estimate")), zone) if shipped else None
    window = edd.estimate(
        placed_at=_aware(order.placed_at or order.created_at), shipped_at=_aware(max(shipped, default=None)),
        country=order.shipping_country,
        parcel_estimates=[(_aware(s.edd_start), _aware(s.edd_end), s.edd_source) for s in underway],
        rule=edd.DeliveryRule.from_settings(module_settings(order.shop, "delivery_estimate")), tz=zone,
        learned=learned, today=now.astimezone(zone).date())
    if window is None:
        return None
    if window.is_late(now.astimezone(zone).date()):
        if underway and all(awaits_carrier(s) for s in underway):
            # No carrier ever reported on these parcels: "late" would be a guess. They are
            # taken to have arrived (app/domain/arrival/anchors.py), which the buyer is told plainly.
            return {"state": "due", "source": window.source, "earliest": None,
                    "latest": window.latest.isoformat(),
                    "title": translate(lang, "edd.due.title"),
                    "text": translate(lang, "edd.due.text", day=format_day(lang, window.latest))}
        return {"state": "late", "source": window.source, "earliest": None, "latest": None,
                "title": translate(lang, "edd.late.title"), "text": translate(lang, "edd.late.text")}
    return {"state": "expected", "source": window.source, "earliest": window.earliest.isoformat(),
            "latest": window.latest.isoformat(), "title": translate(lang, "edd.title"),
            "text": format_day_range(lang, window.earliest, window.latest),
            "source_label": translate(lang, f"edd.source.{window.source}")}


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: None) -> None: ...
@overload
def _aware(value: datetime | None) -> datetime | None: ...
def _aware(value: datetime | None) -> datetime | None:
    """Treat a naive time as UTC (stored times are UTC; unsaved ones may lack a zone)."""
    return value.replace(tzinfo=timezone.utc) if value and value.tzinfo is None else value


def _reorder(order: OrderView, status: OrderStatus, lang: str, now: datetime) -> dict | None:
    shop = order.shop
    url = reorder_url(shop.platform, shop.domain, order.platform_order_id,
                      ((line.product_id, line.variant_id, line.quantity) for line in order.lines),
                      order_key=order.platform_order_key)
    if web_link(url) is None:
        return None
    return {"url": click_url(order, "reorder", url), "title": translate(lang, "reorder.title"),
            "text": translate(lang, "reorder.text"),
            "cta": translate(lang, "reorder.cta")}


def _review_prompt(order: OrderView, status: OrderStatus, lang: str, now: datetime) -> dict | None:
    """Only after delivery, and the same prompt for every buyer."""
    url = review_link(module_settings(order.shop, "review_prompt"))
    if status != OrderStatus.DELIVERED or url is None:
        return None
    return {"url": click_url(order, "review_prompt", url), "title": translate(lang, "review.title"),
            "text": translate(lang, "review.text"),
            "cta": translate(lang, "review.cta")}


def _faq(order: OrderView, status: OrderStatus, lang: str, now: datetime) -> dict | None:
    """The merchant's entries for this order; how-to and care entries once it is delivered."""
    entries = faq_for_order(module_settings(order.shop, "faq"), lang,
                            (line.product_id for line in order.lines),
                            delivered=status == OrderStatus.DELIVERED)
    if not entries:
        return None
    return {"title": translate(lang, "faq.title"), "entries": entries}


def _banner(order: OrderView, status: OrderStatus, lang: str, now: datetime) -> dict | None:
    """The merchant's banner (after delivery unless set to always); its code only after delivery."""
    banner = banner_for(module_settings(order.shop, "banner"), lang,
                        delivered=status == OrderStatus.DELIVERED)
    if banner is None:
        return None
    return {**banner, "url": click_url(order, "banner", banner["url"]),
            "code_label": translate(lang, "banner.code"), "cta": translate(lang, "banner.cta")}


def _social(order: OrderView, status: OrderStatus, lang: str, now: datetime) -> dict | None:
    settings = module_settings(order.shop, "social")
    links, newsletter = social_links(settings), safe_https(settings.get("newsletter_url"))
    if not links and not newsletter:
        return None
    return {"title": translate(lang, "social.title"), "links": links, "newsletter_url": newsletter,
            "newsletter_cta": translate(lang, "social.newsletter")}


def _recommendations(order: OrderView, status: OrderStatus, lang: str, now: datetime) -> dict | None:
    """Products bought together with this order's (none of its own), then best sellers."""
    settings = module_settings(order.shop, "recommendations")
    limit = settings.get("max_items")
    limit = min(max(limit, 1), MAX_ITEMS) if type(limit) is int else 4
    items = recommend(module_derived(order.shop, "recommendations"),
                      (line.product_id for line in order.lines),
                      limit, best_sellers=settings.get("best_sellers") is not False)
    if not items:
        return None
    items = [{**item, "url": click_url(order, "recommendations", item["url"])} for item in items]
    return {"title": translate(lang, "recommendations.title"), "items": items,
            "cta": translate(lang, "recommendations.cta")}


# The survey asks about a purchase that arrived; with `before_delivery` also while it travels.
NO_SURVEY = {OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.RETURNED}


def _survey(order: OrderView, status: OrderStatus, lang: str, now: datetime) -> dict | None:
    delivered = status == OrderStatus.DELIVERED
    if not delivered and (status in NO_SURVEY
                          or not module_settings(order.shop, "survey").get("before_delivery")):
        return None
    return survey_facts(order, lang, delivered)


def survey_facts(order: OrderView, lang: str, delivered: bool) -> dict:
    """One NPS question; once answered, the thanks (and the voucher, the same for every score)."""
    answer = order.survey_answer
    shop_name = order.shop.name or order.shop.domain
    return {
        "title": translate(lang, "survey.title"),
        "question": survey_question(order.shop, lang) or translate(lang, "survey.question", shop=shop_name),
        "scores": list(SCORES), "low_label": translate(lang, "survey.low"),
        "high_label": translate(lang, "survey.high"),
        "comment_label": translate(lang, "survey.comment"), "submit": translate(lang, "survey.submit"),
        "answered": answer is not None, "score": answer.score if answer else None,
        "answer_label": translate(lang, "survey.your_score", score=answer.score) if answer else None,
        "thanks": translate(lang, "survey.thanks"),
        "voucher_code": survey_voucher(order) if answer is not None and delivered else None,
        "voucher_label": translate(lang, "survey.voucher"),
    }


def _newsletter(order: OrderView, status: OrderStatus, lang: str, now: datetime) -> dict | None:
    """Sign-up for the order's address (double opt-in), or that it is already subscribed."""
    customer = order.customer
    if customer is None or not customer.email or customer.suppressed_reason:
        return None
    own = module_settings(order.shop, "newsletter").get(f"text_{lang}")
    return {"title": translate(lang, "newsletter.title"),
            "text": own.strip() if isinstance(own, str) and own.strip()
            else translate(lang, "newsletter.text"),
            "subscribed": customer.marketing_consent == GRANTED,
            "subscribed_text": translate(lang, "newsletter.subscribed"),
            "cta": translate(lang, "newsletter.cta"), "note": translate(lang, "newsletter.note")}
