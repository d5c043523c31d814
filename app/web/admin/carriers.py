"""Carriers: how each carrier does per destination country, its weekly transit, and how right
the learned delivery ranges and the merchant's rule were; the table also as CSV."""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from urllib.parse import urlencode

from flask import g, request

from app.domain.arrival.carrier_history import CarrierReport, carrier_report
from app.domain.arrival.carrier_performance import (
    HIGH_SHARE,
    LEARNING_DAYS,
    LOW_SHARE,
    MIN_DELIVERED,
    PairSummary,
)
from app.extensions import db
from app.i18n import FALLBACK, N_, format_number, format_share, format_short_date
from app.web.admin import bp
from app.web.admin.admin_text import admin_language
from app.web.admin.admin_text import admin_text as t
from app.web.admin.csv_download import csv_download
from app.web.admin.layout import admin_url, render_page
from app.web.admin.line_chart import line_chart

RANGES = (30, 90, 180)
DEFAULT_RANGE = 90
TOP_CARRIERS = 4
# The table's columns (message ids), on the page and in the CSV.
HEADERS = (N_("admin.carriers.col_carrier"), N_("admin.carriers.col_country"),
           N_("admin.carriers.col_parcels"),
           N_("admin.carriers.col_delivered"), N_("admin.carriers.col_no_carrier_data"),
           N_("admin.carriers.col_median"), N_("admin.carriers.col_p90"), N_("admin.carriers.col_on_time"),
           N_("admin.carriers.col_exceptions"), N_("admin.carriers.col_failed_attempts"),
           N_("admin.carriers.col_stalls"), N_("admin.carriers.col_learned_range"),
           N_("admin.carriers.col_inside_learned"), N_("admin.carriers.col_checked_learned"),
           N_("admin.carriers.col_inside_rule"))
NONE = "–"


def _percent(lang: str, share: float | None) -> str:
    return NONE if share is None else format_share(lang, share)


def _days(lang: str, value) -> str:
    return NONE if value is None else format_number(lang, value)


def table_row(line: PairSummary, lang: str = FALLBACK) -> list[str]:
    """One line of the table, as shown and as exported, its figures written as `lang` writes them."""
    learned = f"{line.learned[0]}–{line.learned[1]}" if line.learned else NONE
    share = functools.partial(_percent, lang)
    return [line.carrier_name, line.country, str(line.parcels), str(line.delivered),
            str(line.no_carrier_data),
            _days(lang, line.median), _days(lang, line.p90), share(line.on_time), share(line.exceptions),
            share(line.attempts_failed), share(line.stalls), learned, share(line.learned_accuracy.share),
            str(line.learned_accuracy.checked), share(line.rule_accuracy.share)]


def _csv(report: CarrierReport):
    return csv_download(f"carriers-{report.days}-days.csv", [t(header) for header in HEADERS],
                        (table_row(line, admin_language()) for line in report.lines))


def page_url(**params) -> str:
    """This page's address with `params`, signed in like every admin link."""
    url = admin_url("admin.carriers")
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _chart(report: CarrierReport):
    """The busiest carriers' weekly median transit (busiest: most deliveries in the period)."""
    delivered: dict[str, int] = {}
    for line in report.lines:
        delivered[line.carrier] = delivered.get(line.carrier, 0) + line.delivered
    top = [key for key, count in sorted(delivered.items(), key=lambda item: -item[1])
           if count and key in report.trend][:TOP_CARRIERS]
    if not top:
        return None, []
    series = [(report.carrier_names[key], report.trend[key]) for key in top]
    lang = admin_language()
    return line_chart([format_short_date(lang, monday) for monday in report.weeks], series), series


@bp.get("/carriers")
def carriers():
    """Carrier performance per carrier × destination country for the last 30, 90 or 180 days."""
    days = request.args.get("days", DEFAULT_RANGE, type=int)
    days = days if days in RANGES else DEFAULT_RANGE
    shop = g.admin.shop
    report = carrier_report(db.session(), shop, days, datetime.now(timezone.utc))
    if request.args.get("format") == "csv":
        return _csv(report)
    chart, series = _chart(report)
    return render_page("admin/carriers.html", report=report, headers=HEADERS,
                       rows=[table_row(line, admin_language()) for line in report.lines], chart=chart,
                       series=series,
                       ranges=RANGES, page_url=page_url, low=round(LOW_SHARE * 100),
                       high=round(HIGH_SHARE * 100),
                       min_delivered=MIN_DELIVERED, learning_days=LEARNING_DAYS,
                       number=functools.partial(format_number, admin_language()))
