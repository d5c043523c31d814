"""A table of an admin page as a CSV download that spreadsheet apps open as they should."""

from __future__ import annotations

import csv
import io

from flask import g


def _inert(cell: str) -> str:
    """Text starting like a formula (a carrier name, say) stays text in a spreadsheet."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def csv_download(name: str, headers, rows) -> tuple[str, int, dict]:
    """The response: UTF-8 with a BOM (spreadsheet apps then read it as UTF-8), not cached."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(
        [_inert(cell) if isinstance(cell, str) else cell for cell in row] for row in rows
    )
    return (
        "\ufeff" + out.getvalue(),
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; " + g.admin.frame_ancestors(),
        },
    )
