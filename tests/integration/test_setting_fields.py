"""Every setting a block module or mail kind reads has a field, and every field a row in the
live-preview table (tests/support/setting_rows.py): a setting added to the code without one
fails here, by name."""
from __future__ import annotations

from typing import Any

import pytest

import app.mail.kind_context as kind_context
import app.mail.render as render
from app.domain.followups.mail_kinds import KINDS
from app.domain.shop.form_fields import VOUCHER_FIELDS
from app.domain.shop.module_fields import module_specs
from app.domain.shop.modules import MEASUREMENT
from app.models import Shop
from app.web.admin.content import REVIEW, SOCIAL
from tests.support.setting_reads import recorded_reads
from tests.support.setting_rows import ROWS

VOUCHER_SETTINGS = {f.name for f in VOUCHER_FIELDS}
# Edited elsewhere, with their own forms and tests: the review request's link is the content
# page's review target (tests/integration/test_admin_forms.py), the measurement is the earnings
# page's (test_admin_earnings.py), and neither changes what a buyer sees of the preview's order.
ELSEWHERE = {
    ("mail_review_request", "review_url"),
    *((MEASUREMENT, name) for name in ("window_on_page_days", "window_mail_days", "holdout_percent")),
}
# The Content page's forms and the module settings their saves write (app/web/admin/content.py).
CONTENT_SETTINGS = {
    *(("review_prompt", f.name) for f in REVIEW), *(("social", f.name) for f in SOCIAL), ("faq", "entries"),
    *(("banner", name) for name in ("title", "text", "url", "discount_code", "show")),
}


def _offers_no_voucher(module: str, setting: str) -> bool:
    """kind_context asks every kind for its voucher; a kind without voucher fields has none
    (transactional notices carry no advertising, a review request no incentive)."""
    fields = {f.name for f in module_specs()[module].fields} if module in module_specs() else set()
    return setting in VOUCHER_SETTINGS and "voucher_mode" not in fields


def _newsletter_confirmation_paragraph(module: str, setting: str) -> bool:
    """The double opt-in mail (kind newsletter_confirm, switched by the newsletter block module)
    is asked for its own paragraph like every kind, and its template shows none: it says only
    what the buyer asked for."""
    return (module, setting) == ("newsletter", "texts")


def unexplained(reads: set[tuple[str, str]]) -> set[tuple[str, str]]:
    rows = {(row.module, row.setting) for row in ROWS}
    return {read for read in reads - rows - ELSEWHERE
            if not _offers_no_voucher(*read) and not _newsletter_confirmation_paragraph(*read)}


def test_every_setting_the_code_reads_has_a_row_or_a_form_elsewhere(shop: Shop,
                                                                    monkeypatch: pytest.MonkeyPatch):
    reads = recorded_reads(shop, monkeypatch)
    assert (unexplained(reads)
            == set()), f"settings read without a field and a row: {sorted(unexplained(reads))}"
    # The recorder saw what the table covers (it is no empty pass).
    assert len(reads & {(row.module, row.setting) for row in ROWS}) > 50


def test_every_field_on_the_modules_and_content_pages_has_exactly_one_row():
    fields = {(spec.key, f.name) for spec in module_specs().values() for f in spec.fields}
    rows = [(row.module, row.setting) for row in ROWS]
    assert sorted(set(rows)) == sorted(rows), "a setting with two rows"
    assert set(rows) == fields | CONTENT_SETTINGS


def test_a_setting_the_code_starts_to_read_without_a_row_is_named(shop: Shop,
                                                                  monkeypatch: pytest.MonkeyPatch):
    """The check bites: a mail that reads one more setting shows up as unexplained."""
    original = render.kind_context

    def reading_more(message: Any, lang: str) -> dict[str, Any]:
        kind_context.module_settings(message.order.shop, KINDS[message.kind].module).get("brand_new")
        return original(message, lang)

    monkeypatch.setattr(render, "kind_context", reading_more)
    assert ("mail_thank_you", "brand_new") in unexplained(recorded_reads(shop, monkeypatch))
