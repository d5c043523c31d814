"""The admin's Carriers page over a seeded shop history: the table, its CSV, the trend chart
with its data table, the period switch, and both platforms' sign-in."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from html.parser import HTMLParser

from tests.support.admin_sessions import bearer
from tests.support.analytics_history import generate, seed_history


class Tables(HTMLParser):
    """The cells of every table by its id: {id: [[header cells], [row cells], ...]}."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables(page: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(page)
    return parser.tables


def test_the_table_its_csv_and_the_chart_tell_the_same(wc_admin, wc_shop):
    seed_history(wc_shop, generate(datetime.now(timezone.utc), orders=1500))
    response = wc_admin.get("/admin/carriers?days=90")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    table = _tables(page)["carrier-table"]
    assert table[0][:3] == ["Carrier", "Country", "Parcels"]
    assert [row[:2] for row in table[1:3]] == [["DHL Paket", "DE"], ["DPD", "DE"]]  # most parcels first
    assert 'href="/admin/carriers?days=90" aria-current="page"' in page

    exported = wc_admin.get("/admin/carriers?days=90&format=csv")
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="carriers-90-days.csv"' in exported.headers["Content-Disposition"]
    text = exported.get_data(as_text=True)
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]))) == table

    assert '<svg class="chart"' in page and 'aria-labelledby="trend-title trend-desc"' in page
    assert '<title id="trend-title">Median transit per week, in business days</title>' in page
    trend = _tables(page)["trend-table"]
    # Twelve weeks; the four carriers with the most deliveries, busiest first (Hermes has a handful).
    assert len(trend) == 1 + 12
    assert trend[0] == ["Week starting", "DHL Paket", "DPD", "GLS", "UPS"]


def test_another_period_and_an_empty_shop(wc_admin, wc_shop):
    page = wc_admin.get("/admin/carriers?days=30").get_data(as_text=True)
    assert 'href="/admin/carriers?days=30" aria-current="page"' in page
    assert "No parcel left your shop in the last 30 days." in page and "<svg" not in page
    assert 'aria-current="page">Last 90 days' in wc_admin.get("/admin/carriers?days=7").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(wc_admin.get("/admin/carriers?format=csv")
                                       .get_data(as_text=True)[1:]))) \
        == [["Carrier", "Country", "Parcels", "Delivered", "No carrier data", "Median days", "90th pct. days",
             "On time", "Exceptions", "Failed attempts", "Stalls", "Learned range", "Inside learned range",
             "Checked (learned)", "Inside rule's range"]]


def test_a_shopify_merchant_opens_it_with_the_app_bridge_token(client, shop):
    response = client.get("/admin/carriers?locale=en-GB", headers=bearer())  # as Shopify opens it
    assert response.status_code == 200 and b"No parcel left your shop" in response.data
    assert client.get("/admin/carriers").status_code in (401, 403)  # nobody signed in


def test_a_week_without_deliveries_breaks_the_line_and_end_labels_do_not_overlap():
    from app.web.admin.line_chart import LABEL_GAP, line_chart

    chart = line_chart(["a", "b", "c", "d"],
                       [("DHL", [2, None, 3, 3]), ("DPD", [2, 2, 3, 3.0]), ("UPS", [6, 6, 6, 6])])
    dhl, dpd, ups = chart.lines
    assert len(dhl.paths) == 2 and len(dpd.paths) == 1  # a gap, not a line through the empty week
    assert [text for _, _, text in dhl.points] == ["a: 2", "c: 3", "d: 3"]
    assert abs(dhl.label_y - dpd.label_y) >= LABEL_GAP  # both end on 3: their names are moved apart
    assert ups.label_y < dpd.label_y and chart.y_ticks[-1][1] == "7"  # the axis reaches above the highest
    assert len({line.dash for line in chart.lines}) == 3  # told apart without colour
