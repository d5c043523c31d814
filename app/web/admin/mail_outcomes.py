"""Mail: what became of the shop's mails per kind and week, and the survey's NPS per week with
the spread of its answers; each table also as CSV."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode

from flask import abort, g, request

from app.domain.analytics.mail_outcomes import OUTCOMES, WEEKLY, MailOutcomes, mail_outcomes
from app.domain.analytics.week_buckets import complete_weeks
from app.domain.followups.mail_kinds import KINDS
from app.domain.followups.survey import SCORES, score_summary, weekly_score_counts
from app.extensions import db
from app.i18n import N_
from app.web.admin import bp
from app.web.admin.admin_text import admin_text as t
from app.web.admin.bar_chart import bar_chart
from app.web.admin.csv_download import csv_download
from app.web.admin.layout import admin_url, render_page
from app.web.admin.line_chart import line_chart

RANGES = (4, 13, 26)
DEFAULT_RANGE = 13
# Every id looked up by composition below, for `make messages`.
_KEYS = (
    N_("admin.mail_outcomes.col.sent"),
    N_("admin.mail_outcomes.col.deferred"),
    N_("admin.mail_outcomes.col.skipped"),
    N_("admin.mail_outcomes.col.bounced"),
    N_("admin.mail_outcomes.col.soft_bounced"),
    N_("admin.mail_outcomes.col.complained"),
    N_("admin.mail_outcomes.col.failed"),
    N_("admin.mail_outcomes.col.unsubscribed"),
    N_("admin.mail_outcomes.col.answers"),
    N_("admin.mail_outcomes.col.promoters"),
    N_("admin.mail_outcomes.col.passives"),
    N_("admin.mail_outcomes.col.detractors"),
    N_("admin.mail_outcomes.col.nps"),
    N_("admin.mail_outcomes.col.skipped_consent"),
    N_("admin.mail_outcomes.col.skipped_suppressed"),
    N_("admin.mail_outcomes.col.skipped_stale"),
    N_("admin.mail_outcomes.col.skipped_order_unhappy"),
    N_("admin.mail_outcomes.col.skipped_no_longer_planned"),
    N_("admin.mail_outcomes.col.skipped_switched_off"),
    N_("admin.mail_outcomes.col.skipped_no_support_address"),
    N_("admin.mail_outcomes.col.skipped_no_recipient"),
    N_("admin.mail_outcomes.col.skipped_shop_uninstalled"),
    N_("admin.mail_outcomes.col.skipped_other"),
    N_("admin.mail_outcomes.kind.shipped"),
    N_("admin.mail_outcomes.kind.out_for_delivery"),
    N_("admin.mail_outcomes.kind.ready_for_pickup"),
    N_("admin.mail_outcomes.kind.delivered"),
    N_("admin.mail_outcomes.kind.not_shipped"),
    N_("admin.mail_outcomes.kind.delayed"),
    N_("admin.mail_outcomes.kind.return_received"),
    N_("admin.mail_outcomes.kind.refund_issued"),
    N_("admin.mail_outcomes.kind.newsletter_confirm"),
    N_("admin.mail_outcomes.kind.review_request"),
    N_("admin.mail_outcomes.kind.review_reminder"),
    N_("admin.mail_outcomes.kind.thank_you"),
    N_("admin.mail_outcomes.kind.how_to"),
    N_("admin.mail_outcomes.kind.nps"),
    N_("admin.mail_outcomes.kind.replenishment"),
    N_("admin.mail_outcomes.kind.anniversary"),
    N_("admin.mail_outcomes.kind.win_back"),
    N_("admin.mail_outcomes.kind.referral"),
)
TABLES = ("weekly", "kind_totals", "kinds", "nps", "scores")
CHART_SERIES = ("sent", "skipped", "bounced")
NPS_COLUMNS = ("answers", "promoters", "passives", "detractors", "nps")


def _column(key: str) -> str:
    return t(f"admin.mail_outcomes.col.{key}")


def _kind_name(kind: str) -> str:
    return t(f"admin.mail_outcomes.kind.{kind}") if kind in KINDS else kind


def _week(monday) -> str:
    return monday.isoformat()


def weekly_table(report: MailOutcomes) -> tuple[list[str], list[list]]:
    headers = [t("admin.mail_outcomes.col.week"), *(_column(key) for key in WEEKLY)]
    return headers, [
        [_week(monday), *(report.per_week[n][key] for key in WEEKLY)]
        for n, monday in enumerate(report.weeks.mondays)
    ]


def kinds_table(report: MailOutcomes) -> tuple[list[str], list[list]]:
    headers = [
        t("admin.mail_outcomes.col.week"),
        t("admin.mail_outcomes.col.kind"),
        *(_column(key) for key in OUTCOMES),
    ]
    return headers, [
        [_week(report.weeks.mondays[n]), _kind_name(kind), *(figures[key] for key in OUTCOMES)]
        for (kind, n), figures in report.per_kind.items()
    ]


def kind_totals_table(report: MailOutcomes) -> tuple[list[str], list[list]]:
    """Each kind's outcomes over the whole period, the kinds in the registry's order."""
    totals: dict[str, dict[str, int]] = {}
    for (kind, _), figures in report.per_kind.items():
        kept = totals.setdefault(kind, dict.fromkeys(OUTCOMES, 0))
        for key in OUTCOMES:
            kept[key] += figures[key]
    order = {kind: n for n, kind in enumerate(KINDS)}
    return [t("admin.mail_outcomes.col.kind"), *(_column(key) for key in OUTCOMES)], [
        [_kind_name(kind), *(figures[key] for key in OUTCOMES)]
        for kind, figures in sorted(totals.items(), key=lambda item: order.get(item[0], len(order)))
    ]


def nps_table(weeks, counts: dict[int, dict[int, int]]) -> tuple[list[str], list[list]]:
    headers = [t("admin.mail_outcomes.col.week"), *(_column(key) for key in NPS_COLUMNS)]
    rows = []
    for n, monday in enumerate(weeks.mondays):
        summary = score_summary(counts.get(n, {}))
        rows.append(
            [
                _week(monday),
                *([summary[key] for key in NPS_COLUMNS] if summary else [0, 0, 0, 0, "–"]),
            ]
        )
    return headers, rows


def scores_table(counts: dict[int, dict[int, int]]) -> tuple[list[str], list[list]]:
    return (
        [t("admin.mail_outcomes.col.score"), t("admin.mail_outcomes.col.answers")],
        [[score, sum(week.get(score, 0) for week in counts.values())] for score in SCORES],
    )


def page_url(**params) -> str:
    """This page's address with `params`, signed in like every admin link."""
    url = admin_url("admin.mail_outcomes")
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _outcome_chart(report: MailOutcomes):
    if not any(week[key] for week in report.per_week for key in CHART_SERIES):
        return None
    labels = [monday.strftime("%d.%m.") for monday in report.weeks.mondays]
    every = 1 if len(labels) <= 13 else 2
    return line_chart(
        labels,
        [(_column(key), [week[key] for week in report.per_week]) for key in CHART_SERIES],
        every_nth_label=every,
    )


def _score_chart(scores):
    if not any(answers for _, answers in scores):
        return None
    # Coloured as the score's group: detractors 0-6, passives 7-8, promoters 9-10.
    return bar_chart(
        [
            (str(score), answers, 1 if score <= 6 else 4 if score <= 8 else 2)
            for score, answers in scores
        ]
    )


@bp.get("/mail", endpoint="mail_outcomes")
def mail_outcomes_page():
    """Mail outcomes and NPS over the last 4, 13 or 26 complete weeks."""
    count = request.args.get("weeks", DEFAULT_RANGE, type=int)
    count = count if count in RANGES else DEFAULT_RANGE
    shop = g.admin.shop
    weeks = complete_weeks(datetime.now(timezone.utc), shop.timezone, count)
    report = mail_outcomes(db.session(), shop.id, weeks)
    answers = weekly_score_counts(db.session(), shop.id, weeks)
    tables = {
        "weekly": weekly_table(report),
        "kind_totals": kind_totals_table(report),
        "kinds": kinds_table(report),
        "nps": nps_table(weeks, answers),
        "scores": scores_table(answers),
    }
    wanted = request.args.get("format")
    if wanted == "csv":
        table = request.args.get("table", "")
        if table not in TABLES:
            abort(400, description=f"table must be one of {', '.join(TABLES)}")
        return csv_download(f"mail-{table}-{count}-weeks.csv", *tables[table])
    return render_page(
        "admin/mail_outcomes.html",
        weeks=weeks,
        count=count,
        ranges=RANGES,
        page_url=page_url,
        tables=tables,
        outcome_chart=_outcome_chart(report),
        score_chart=_score_chart(tables["scores"][1]),
        series=[_column(key) for key in CHART_SERIES],
        overall=score_summary({score: answers for score, answers in tables["scores"][1]}),
    )
