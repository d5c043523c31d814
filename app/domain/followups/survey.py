"""The one-question NPS survey: checking an answer, keeping it, the voucher and the score.

One answer per order, kept with the least data (order, score, optional comment, time); a
second answer replaces the first. A voucher, if the merchant sets one, is the same for every
score: never a reward that depends on the rating. It shows only after answering and once
the goods arrived (no discount before arrival).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.analytics.week_buckets import Weeks
from app.domain.followups.vouchers import (
    STATIC,
    SURVEY,
    UNIQUE,
    VoucherSetting,
    issued_code,
    voucher_setting,
)
from app.domain.shop.modules import module_enabled, module_settings
from app.models import Order, Shop, SurveyAnswer
from app.read_model.views import OrderView, ShopView
from connectors.links import web_link

SCORES = tuple(range(11))
COMMENT_LENGTH = 1000
# C0 controls other than tab and line breaks, DEL: dropped from comments.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidAnswer(ValueError):
    """The answer cannot be kept; `key` names the message for the buyer (app/i18n)."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Answer:
    score: int
    comment: str | None


def parse_answer(score, comment) -> Answer:
    """A score 0-10 (an int, or its digits as text) and an optional comment of plain text."""
    if isinstance(score, str) and re.fullmatch(r"[0-9]{1,2}", score.strip()):
        score = int(score.strip())
    if type(score) is not int or score not in SCORES:
        raise InvalidAnswer("survey.error.score")
    if comment is None:
        return Answer(score, None)
    if not isinstance(comment, str):
        raise InvalidAnswer("survey.error.comment")
    text = CONTROL.sub("", comment.replace("\r\n", "\n")).strip()
    try:
        text.encode("utf-8")  # a lone surrogate (JSON "\ud800") is no text a database can keep
    except UnicodeEncodeError:
        raise InvalidAnswer("survey.error.comment") from None
    if len(text) > COMMENT_LENGTH:
        raise InvalidAnswer("survey.error.comment_length")
    return Answer(score, text or None)


def preselected_score(raw) -> int | None:
    """A score from a link or a refused form, to pre-select it; None when it is none."""
    return int(raw) if (isinstance(raw, str) and re.fullmatch(r"[0-9]{1,2}", raw)
                        and int(raw) in SCORES) else None


def merchant_survey_url(shop: Shop | ShopView) -> str | None:
    """The merchant's own survey page for the NPS mail (https only), if any."""
    return web_link(str(module_settings(shop, "mail_nps").get("survey_url") or "").strip(), https_only=True)


def accepts_answers(shop: Shop | ShopView) -> bool:
    """Our survey page takes answers when the block asks, or the NPS mail links to it."""
    return module_enabled(shop, "survey") or (module_enabled(shop, "mail_nps")
                                              and merchant_survey_url(shop) is None)


def survey_voucher_setting(shop: Shop | ShopView) -> VoucherSetting:
    """The thank-you voucher: the block survey's own, else the NPS mail's (the page answers
    both)."""
    key = "survey" if module_enabled(shop, "survey") else "mail_nps"
    return voucher_setting(module_settings(shop, key))


def survey_voucher(order: OrderView) -> str | None:
    """The code the thanks shows: the static one; the buyer's unique code once created (read
    with the order: `survey_code`, by survey_code_for)."""
    setting = survey_voucher_setting(order.shop)
    if setting.mode == STATIC:
        return setting.code
    return order.survey_code if setting.mode == UNIQUE else None


def survey_code_for(session: Session, shop: Shop | ShopView, order_id: int, answered: bool) -> str | None:
    """The buyer's unique survey code, read only where the thanks could show one."""
    if not answered or survey_voucher_setting(shop).mode != UNIQUE:
        return None
    return issued_code(session, order_id, SURVEY)


def survey_question(shop: Shop | ShopView, lang: str) -> str | None:
    """The merchant's wording of the question in this language, if set."""
    text = module_settings(shop, "survey").get(f"question_{lang}")
    return text.strip() if isinstance(text, str) and text.strip() else None


def record_answer(session: Session, order: Order, answer: Answer, now: datetime) -> tuple[SurveyAnswer, bool]:
    """Keep the order's answer; (row, True) for a first answer, (row, False) when replaced."""
    row = session.scalar(select(SurveyAnswer).where(SurveyAnswer.order_id == order.id))
    if row is None:
        try:
            with session.begin_nested():
                row = SurveyAnswer(shop_id=order.shop_id, order_id=order.id, score=answer.score,
                                   comment=answer.comment, answered_at=now, updated_at=now)
                session.add(row)
            return row, True
        except IntegrityError:  # answered a moment ago in another request
            row = session.scalars(select(SurveyAnswer).where(SurveyAnswer.order_id == order.id)).one()
    row.score, row.comment, row.updated_at = answer.score, answer.comment, now
    return row, False


def score_summary(counts: dict[int, int]) -> dict | None:
    """Promoters (9-10) minus detractors (0-6), in percent of the answers counted per score."""
    total = sum(counts.values())
    if not total:
        return None
    promoters = sum(n for score, n in counts.items() if score >= 9)
    detractors = sum(n for score, n in counts.items() if score <= 6)
    return {"answers": total, "promoters": promoters, "passives": total - promoters - detractors,
            "detractors": detractors, "nps": round(100 * (promoters - detractors) / total)}


def net_promoter_score(session: Session, shop_id: int, since: datetime) -> dict | None:
    """The NPS of the answers since then (see score_summary)."""
    return score_summary(dict(session.execute(
        select(SurveyAnswer.score, func.count()).where(SurveyAnswer.shop_id == shop_id,
                                                       SurveyAnswer.answered_at >= since)
        .group_by(SurveyAnswer.score)).all()))


def weekly_score_counts(session: Session, shop_id: int, weeks: Weeks) -> dict[int, dict[int, int]]:
    """Answers per week and score, {week number: {score: answers}}, for `weeks`
    (app/domain/analytics/week_buckets.py); a week without answers is left out."""
    week = weeks.index(SurveyAnswer.answered_at)
    found: dict[int, dict[int, int]] = {}
    for n, score, count in session.execute(
            select(week, SurveyAnswer.score, func.count())
            .where(SurveyAnswer.shop_id == shop_id, SurveyAnswer.answered_at >= weeks.bounds[0],
                   SurveyAnswer.answered_at < weeks.bounds[-1])
            .group_by(week, SurveyAnswer.score)):
        found.setdefault(n, {})[score] = count
    return found
