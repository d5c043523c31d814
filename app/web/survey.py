"""The hosted survey page: the NPS question as a plain form, for the block and the NPS mail.

GET only shows the question (`?score=N` from the mail pre-selects it: link scanners fetch
mail links, so a GET never stores an answer); POST keeps the answer and redirects to the
thanks. The tracking token in the path binds the answer to one order of one shop, and it is
the form's CSRF defence: a page elsewhere cannot know it.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, abort, redirect, render_template, request

from app.domain.followups.survey import (
    InvalidAnswer,
    accepts_answers,
    parse_answer,
    preselected_score,
    record_answer,
)
from app.domain.orders.statuses import OrderStatus
from app.extensions import db
from app.i18n import pick_locale, translate
from app.jobs.survey_vouchers import voucher_after_answer
from app.links.tracking_page import tracking_url
from app.models import Order
from app.presenters import survey_facts
from app.rate_limits import allow, client_address
from app.read_model.from_orm import order_view
from app.web.body_limits import FORM_BYTES, limit_body
from app.web.buyer_csp import add_buyer_csp
from app.web.tracking import order_for_token

bp = Blueprint("survey", __name__)
bp.after_request(add_buyer_csp)
PER_ADDRESS = (30, 60)
NO_STORE = {"Cache-Control": "no-store"}


def _open_survey(token: str) -> Order:
    order = order_for_token(token)
    if not accepts_answers(order.shop):
        abort(404, description=translate(_lang(order), "survey.closed"))
    return order


def _lang(order: Order) -> str:
    return pick_locale(request.args.get("locale"), order.locale,
                       order.customer.locale if order.customer else None,
                       order.shop.locale)


def _page(order: Order, status: int = 200, *, error: str | None = None, chosen=None, comment: str = "",
          saved: str | None = None):
    lang = _lang(order)
    answer = order.survey_answer
    if chosen is None and answer is not None:
        chosen, comment = answer.score, answer.comment or ""
    html = render_template(
        "block/survey.html", lang=lang, shop_name=order.shop.name or order.shop.domain,
        t=lambda key, **kw: translate(lang, key, **kw), back_url=tracking_url(order), action=request.path,
        survey=survey_facts(order_view(order), lang, delivered=order.status == OrderStatus.DELIVERED),
        error=error, chosen=chosen, comment=comment, saved=saved)
    return html, status, NO_STORE


@bp.get("/t/<token>/survey")
def survey_page(token: str):
    """Show the question; the NPS mail's `?score=N` pre-selects that score."""
    order = _open_survey(token)
    chosen = preselected_score(request.args.get("score"))
    saved = request.args.get("saved") if request.args.get("saved") in ("new", "updated") else None
    return _page(order, chosen=chosen, saved=saved)


@bp.post("/t/<token>/survey")
@limit_body(FORM_BYTES)
def answer_survey(token: str):
    """Keep the order's answer (a second one replaces the first) and show the thanks."""
    if not allow("survey-ip", client_address(request), *PER_ADDRESS):
        return "Too many requests; try again in a minute.", 429, {"Retry-After": str(PER_ADDRESS[1])}
    order = _open_survey(token)
    try:
        answer = parse_answer(request.form.get("score"), request.form.get("comment"))
    except InvalidAnswer as invalid:
        return _page(order, 422, error=translate(_lang(order), invalid.key),
                     chosen=preselected_score(request.form.get("score")),
                     comment=(request.form.get("comment") or "")[:2000])
    _, created = record_answer(db.session(), order, answer, datetime.now(timezone.utc))
    db.session.commit()
    voucher_after_answer(order.id)
    return redirect(f"{request.path}?saved={'new' if created else 'updated'}", code=303)
