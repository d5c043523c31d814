"""Every row of tests/support/setting_rows.py through the app: the typed value changes the live
preview (nothing saved yet), the save is taken, and the real order's block or next planned
mail follows it. tests/browser/test_setting_previews_browser.py does the same in Chromium."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Shop
from tests.support.admin_sessions import csrf_token, login_link
from tests.support.setting_row_checks import form_of, observe, preview_text
from tests.support.setting_row_orders import prepare
from tests.support.setting_rows import ROWS, Row

USER_LOCALES = {"de": "de_DE", "en": "en_GB"}


def _preview(client: FlaskClient, row: Row, form: dict[str, str], untouched: bool = False) -> str:
    """The watched part of the preview; an untouched form may be invalid (a new FAQ entry is empty)."""
    response = client.post(row.preview_path, data={**form, "csrf_token": csrf_token(client)})
    assert response.status_code in ((200, 422) if untouched else (200,)), response.get_data(as_text=True)
    return preview_text(response.get_data(as_text=True), row.watch)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_the_setting_changes_the_preview_and_the_saved_result(client: FlaskClient, wc_shop: Shop, row: Row):
    order = prepare(wc_shop, row, datetime.now(timezone.utc))
    get_json = lambda path: client.get(path).get_json()  # noqa: E731
    before = observe(row, wc_shop.id, order.id, get_json)
    assert client.get(login_link(wc_shop, locale=USER_LOCALES[row.admin_lang])).status_code == 303
    shop = db.session.get(Shop, wc_shop.id)
    untouched = _preview(client, row, form_of(shop, dataclasses.replace(row, typed={})), untouched=True)
    typed = form_of(shop, row)
    shown = _preview(client, row, typed)
    assert shown != untouched, untouched
    assert row.expect is None or row.expect in shown, shown
    assert observe(row, wc_shop.id, order.id, get_json) == before  # previewing changed nothing; stable
    saved = client.post(row.save_path, data={**typed, "csrf_token": csrf_token(client)})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    after = observe(row, wc_shop.id, order.id, get_json)
    assert after != before, after
    assert row.expect is None or row.expect in after, after
