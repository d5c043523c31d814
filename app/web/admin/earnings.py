"""Earnings: what the app's modules brought the shop. Views and clicks per module, the
revenue of the orders credited to each (net of refunds and cancellations), the holdout's
incremental repeat revenue with its interval, a chart, the table as CSV, the weekly
"Where is my order?" figures (app/web/admin/wismo_section.py), and the settings that govern
the measuring (attribution windows, holdout share)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from urllib.parse import urlencode

from flask import g, request

from app.domain.analytics.attribution import DEFAULT_WINDOWS, MAX_WINDOW_DAYS, windows
from app.domain.analytics.earnings import EarningsReport, earnings_report
from app.domain.analytics.holdout import MAX_PERCENT, holdout_percent
from app.domain.analytics.uplift import MIN_HOLDOUT
from app.domain.analytics.wismo import wismo_report
from app.domain.shop.form_fields import Field, validate_fields
from app.domain.shop.module_changes import save_module
from app.domain.shop.modules import MEASUREMENT
from app.extensions import db
from app.i18n import N_, format_amount
from app.web.admin import bp, wismo_section
from app.web.admin.activity import log_change
from app.web.admin.admin_text import admin_language, admin_text
from app.web.admin.layout import admin_url, render_page
from app.web.admin.line_chart import line_chart

RANGES = (7, 30, 90)
DEFAULT_RANGE = 30
TOP_MODULES = 4
# Labels are catalogue ids (app/translations), shown through `t` / admin_text.
FIELDS = (
    Field("window_on_page_days", N_("admin.earnings.field.window_on_page"), "int", 1,
          MAX_WINDOW_DAYS),
    Field("window_mail_days", N_("admin.earnings.field.window_mail"), "int", 1, MAX_WINDOW_DAYS),
    Field("holdout_percent", N_("admin.earnings.field.holdout"), "int", 0, MAX_PERCENT),
)
HEADERS = (N_("admin.earnings.col.module"), N_("admin.earnings.col.views"),
           N_("admin.earnings.col.clicks"), N_("admin.earnings.col.orders"),
           N_("admin.earnings.col.revenue"))
MODULE_NAMES = {
    "delivery_status": N_("admin.earnings.module.delivery_status"),
    "tracking": N_("admin.earnings.module.tracking"),
    "delivery_estimate": N_("admin.earnings.module.delivery_estimate"),
    "reorder": N_("admin.earnings.module.reorder"),
    "faq": N_("admin.earnings.module.faq"),
    "recommendations": N_("admin.earnings.module.recommendations"),
    "review_prompt": N_("admin.earnings.module.review_prompt"),
    "banner": N_("admin.earnings.module.banner"),
    "social": N_("admin.earnings.module.social"),
    "newsletter": N_("admin.earnings.module.newsletter"),
    "survey": N_("admin.earnings.module.survey"),
    "mail_review_request": N_("admin.earnings.module.mail_review_request"),
    "mail_review_reminder": N_("admin.earnings.module.mail_review_reminder"),
    "mail_thank_you": N_("admin.earnings.module.mail_thank_you"),
    "mail_how_to": N_("admin.earnings.module.mail_how_to"),
    "mail_nps": N_("admin.earnings.module.mail_nps"),
    "mail_replenishment": N_("admin.earnings.module.mail_replenishment"),
    "mail_anniversary": N_("admin.earnings.module.mail_anniversary"),
    "mail_win_back": N_("admin.earnings.module.mail_win_back"),
}


def module_name(key: str) -> str:
    """The module's name in the merchant's language (an unknown key as it is)."""
    return admin_text(MODULE_NAMES[key]) if key in MODULE_NAMES else key


def _money(value, currency: str | None) -> str:
    return format_amount(admin_language(), value, currency or "EUR")


def table_rows(report: EarningsReport) -> list[list[str]]:
    return [[module_name(line.module), str(line.views), str(line.clicks), str(line.orders),
             _money(line.revenue, report.currency)] for line in report.lines]


def _csv(report: EarningsReport) -> tuple[str, int, dict]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([admin_text(h) for h in HEADERS[:4]]
                    + [admin_text(HEADERS[4]) + f" ({report.currency or ''})"])
    writer.writerows([module_name(line.module), line.views, line.clicks, line.orders,
                      f"{line.revenue:.2f}"] for line in report.lines)
    name = f"earnings-{report.days}-days.csv"
    return "\ufeff" + out.getvalue(), 200, {  # the BOM: spreadsheet apps then read UTF-8
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; " + g.admin.frame_ancestors()}


def page_url(**params) -> str:
    url = admin_url("admin.earnings")
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _chart(report: EarningsReport):
    """Credited revenue per day (per week over 90 days) of the modules that earned most."""
    top = sorted(report.series, key=lambda m: -sum(report.series[m]))[:TOP_MODULES]
    if not top:
        return None, []
    series = [(module_name(m), [round(v, 2) for v in report.series[m]]) for m in top]
    labels = [day.strftime("%d.%m.") for day in report.buckets]
    return line_chart(labels, series, every_nth_label=max(1, len(labels) // 8)), series


def _stored(shop) -> dict:
    on_page, mail = windows(shop)
    return {"window_on_page_days": on_page.days, "window_mail_days": mail.days,
            "holdout_percent": holdout_percent(shop)}


def _page(status: int = 200, values=None, errors=None, notice=None):
    days = request.args.get("days", DEFAULT_RANGE, type=int)
    days = days if days in RANGES else DEFAULT_RANGE
    shop = g.admin.shop
    now = datetime.now(timezone.utc)
    wismo = wismo_report(db.session, shop, now)
    if request.method == "GET" and request.args.get("format") == wismo_section.CSV_FORMAT:
        return wismo_section.wismo_csv(wismo)
    report = earnings_report(db.session(), shop, days, now)
    if request.method == "GET" and request.args.get("format") == "csv":
        return _csv(report)
    chart, series = _chart(report)
    uplift = report.uplift

    def money(value):
        return None if value is None else _money(value, report.currency)

    return render_page(
        "admin/earnings.html",
        status,
        report=report,
        headers=HEADERS,
        rows=table_rows(report),
        chart=chart,
        series=series,
        ranges=RANGES,
        page_url=page_url,
        uplift=uplift,
        money=money,
        min_holdout=MIN_HOLDOUT,
        fields=FIELDS,
        values=values or _stored(shop),
        errors=errors or {},
        notice=notice,
        defaults=DEFAULT_WINDOWS,
        wismo=wismo,
        wismo_headers=wismo_section.HEADERS,
        wismo_rows=wismo_section.table_rows(wismo),
        wismo_chart=wismo_section.share_chart(wismo),
        wismo_csv=wismo_section.CSV_FORMAT,
    )


@bp.get("/earnings")
def earnings():
    """What the modules earned in the last 7, 30 or 90 days."""
    return _page()


@bp.post("/earnings")
def save_measurement():
    """Store the attribution windows and the holdout share."""
    shop = g.admin.shop
    values, errors = validate_fields(FIELDS, request.form)
    if errors:
        return _page(422, values=dict(request.form), errors=errors)
    before = _stored(shop)
    save_module(db.session(), shop, MEASUREMENT, settings=values)
    log_change("measurement", before, _stored(shop))
    db.session.commit()
    return _page(notice=admin_text(N_("admin.earnings.saved")))
