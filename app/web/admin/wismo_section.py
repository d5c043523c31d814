"""The Earnings page's "Where is my order?" section: the weekly figures of
app/domain/analytics/wismo.py as a table (also as CSV) and the weekly share as a line."""
from __future__ import annotations

from app.domain.analytics.wismo import WismoReport
from app.i18n import N_, format_number, format_share, format_short_date
from app.web.admin.admin_text import admin_language
from app.web.admin.admin_text import admin_text as t
from app.web.admin.csv_download import csv_download
from app.web.admin.line_chart import line_chart

CSV_FORMAT = "wismo-csv"  # ?format=… of the Earnings page
HEADERS = (N_("admin.earnings.wismo.col.week"), N_("admin.earnings.wismo.col.since_install"),
           N_("admin.earnings.wismo.col.delivered"), N_("admin.earnings.wismo.col.checked"),
           N_("admin.earnings.wismo.col.share"), N_("admin.earnings.wismo.col.views"),
           N_("admin.earnings.wismo.col.lookups"))
NONE = "–"


def table_rows(report: WismoReport) -> list[list[str]]:
    """One line per week, its figures written as the merchant's language writes them."""
    lang = admin_language()
    return [[format_short_date(lang, week.monday), str(week.since_install), str(week.delivered),
             str(week.checked), NONE if week.share is None else format_share(lang, week.share),
             NONE if week.average_views is None
             else format_number(lang, round(week.average_views, 2)), str(week.lookups)]
            for week in report.weeks]


def wismo_csv(report: WismoReport):
    rows = [[week.monday.isoformat(), *row[1:]]
            for week, row in zip(report.weeks, table_rows(report), strict=True)]
    return csv_download("where-is-my-order-weeks.csv", [t(header) for header in HEADERS], rows)


def share_chart(report: WismoReport):
    """The weekly share (in %) of delivered orders whose buyer checked the status here; a week
    without deliveries leaves a gap. None when no week had any."""
    values = [None if week.share is None else round(week.share * 100, 1) for week in report.weeks]
    if all(value is None for value in values):
        return None
    lang = admin_language()
    return line_chart([format_short_date(lang, week.monday) for week in report.weeks],
                      [(t(N_("admin.earnings.wismo.series")), values)],
                      every_nth_label=max(1, len(values) // 8))
