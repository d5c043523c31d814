"""The survey's unique thank-you code: tried at once after an answer, else by a retrying job.

Only for a delivered order with an answer (no discount before the goods arrived). When the
platform keeps failing after the job's retries, the thanks shows no code: the answer is kept
either way.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import select

from app.clients.vouchers import VoucherUnavailable, issue_voucher
from app.domain.followups.survey import survey_voucher_setting
from app.domain.followups.vouchers import SURVEY, UNIQUE
from app.domain.orders.statuses import OrderStatus
from app.extensions import db, queues
from app.jobs.runtime import job
from app.models import Order, SurveyAnswer

log = logging.getLogger(__name__)
TITLE = "Aftersales survey thank-you"


def survey_voucher_job_id(order_id: int) -> str:
    return f"survey-voucher-{order_id}"


def _issue(order_id: int) -> str:
    order = db.session.get(Order, order_id)
    if order is None:
        return "gone"
    setting = survey_voucher_setting(order.shop)
    # Asked, not read from the order: a request's session may hold it from before the answer.
    answered = db.session.scalar(select(SurveyAnswer.id).where(SurveyAnswer.order_id == order_id))
    if setting.mode != UNIQUE or answered is None or order.status != OrderStatus.DELIVERED:
        return "not due"
    issue_voucher(order_id, SURVEY, setting, TITLE, datetime.now(timezone.utc))
    return "issued"


def voucher_after_answer(order_id: int) -> None:
    """Create the code now, so the thanks can show it; on a platform error leave it to the job."""
    try:
        _issue(order_id)
    except VoucherUnavailable as exc:
        log.warning("survey voucher of order %s not created yet: %s", order_id, exc)
        queues.enqueue(
            "periodic", issue_survey_voucher, order_id, job_id=survey_voucher_job_id(order_id)
        )


@job
def issue_survey_voucher(order_id: int) -> str:
    """Retry creating the survey code (raises while the platform fails: RQ retries)."""
    return _issue(order_id)
