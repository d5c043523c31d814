"""Carriers: how each carrier does per destination country, its weekly transit, and how right
the learned delivery ranges and the merchant's rule were; the table also as CSV."""
from __future__ import annotations

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
from app.web.admin import bp
from app.web.admin.csv_download import csv_download
from app.web.admin.layout import admin_url, render_page
from app.web.admin.line_chart import line_chart

RANGES = (30, 90, 180)
DEFAULT_RANGE = 90
TOP_CARRIERS = 4
HEADERS = ("Carrier", "Country", "Parcels", "Delivered", "No carrier data", "Median days", "90th pct. days",
           "On time", "Exceptions", "Failed attempts", "Stalls", "Learned range", "Inside learned range",
           "Checked (learned)", "Inside rule's range")
NONE = "–"


def _percent(share: float | None) -> str:
    return NONE if share is None else f"{round(share * 100)}%"


def _days(value) -> str:
    return NONE if value is None else f"{value:g}"


def table_row(line: PairSummary) -> list[str]:
    """One line of the table, as shown and as exported."""
    learned = f"{line.learned[0]}–{line.learned[1]}" if line.learned else NONE
    return [line.carrier_name, line.country, str(line.parcels), str(line.delivered), str(line.no_carrier_data),
            _days(line.median), _days(line.p90), _percent(line.on_time), _percent(line.exceptions),
            _percent(line.attempts_failed), _percent(line.stalls), learned, _percent(line.learned_accuracy.share),
            str(line.learned_accuracy.checked), _percent(line.rule_accuracy.share)]


def _csv(report: CarrierReport):
    return csv_download(f"carriers-{report.days}-days.csv", HEADERS, (table_row(line) for line in report.lines))


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
    return line_chart([f"{monday:%d %b}" for monday in report.weeks], series), series


@bp.get("/carriers")
def carriers():
    """Carrier performance per carrier × destination country for the last 30, 90 or 180 days."""
    days = request.args.get("days", DEFAULT_RANGE, type=int)
    days = days if days in RANGES else DEFAULT_RANGE
    shop = g.admin.shop
    report = carrier_report(db.session, shop, days, datetime.now(timezone.utc))
    if request.args.get("format") == "csv":
        return _csv(report)
    chart, series = _chart(report)
    return render_page("admin/carriers.html", report=report, headers=HEADERS,
                       rows=[table_row(line) for line in report.lines], chart=chart, series=series,
                       ranges=RANGES, page_url=page_url, low=round(LOW_SHARE * 100), high=round(HIGH_SHARE * 100),
                       min_delivered=MIN_DELIVERED, learning_days=LEARNING_DAYS)
