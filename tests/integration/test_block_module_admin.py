"""The admin's modules page switches and sets recommendations, survey and newsletter."""
import pytest

from app.domain.shop.modules import module_enabled, module_settings
from tests.integration.test_admin_forms import fresh, post


def test_the_three_modules_are_switched_on_with_their_settings(wc_admin, wc_shop):
    page = wc_admin.get("/admin/modules").get_data(as_text=True)
    for key in ("recommendations", "survey", "newsletter"):
        assert f'data-module-form="{key}"' in page
    assert "not shown in the block yet" not in page
    assert post(wc_admin, "/admin/modules/recommendations",
                {"enabled": "on", "max_items": "3"}).status_code == 200
    assert post(wc_admin, "/admin/modules/survey", {
        "enabled": "on", "question_de": "Würden Sie uns weiterempfehlen?", "question_en": "",
        "voucher_code": "DANKE5"}).status_code == 200
    assert post(wc_admin, "/admin/modules/newsletter", {
        "enabled": "on", "text_de": "Einmal im Monat: neue Kaffees.", "text_en": ""}).status_code == 200
    shop = fresh(wc_shop)
    assert all(module_enabled(shop, key) for key in ("recommendations", "survey", "newsletter"))
    assert module_settings(shop, "recommendations") == {"max_items": 3, "best_sellers": False}
    # A code without a mode is the static voucher it always was; the unique fields stay empty.
    assert module_settings(shop, "survey") == {
        "before_delivery": False, "question_de": "Würden Sie uns weiterempfehlen?",
        "question_en": None, "voucher_code": "DANKE5", "voucher_mode": "static",
        "voucher_type": None, "voucher_value": None, "voucher_days": None, "voucher_minimum": None}
    assert module_settings(shop, "newsletter")["text_de"] == "Einmal im Monat: neue Kaffees."
    preview = wc_admin.get("/admin/previews?lang=de").get_data(as_text=True)
    assert "Würden Sie uns weiterempfehlen?" in preview  # the delivered sample order asks
    assert 'data-module="newsletter"' in preview


@pytest.mark.parametrize("key, field, value, message", [
    ("recommendations", "max_items", "9", "from 1 to 8"),
    ("recommendations", "max_items", "viele", "from 1 to 8"),
    ("survey", "voucher_code", "DANKE 5%", "letters, digits, - and _ only"),
    ("survey", "question_de", "x" * 201, "at most 200 characters"),
    ("newsletter", "text_en", "x" * 301, "at most 300 characters"),
])
def test_invalid_settings_are_refused_with_a_message(wc_admin, wc_shop, key, field, value, message):
    response = post(wc_admin, f"/admin/modules/{key}", {"enabled": "on", "max_items": "4", field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert module_enabled(fresh(wc_shop), key) is False


def test_the_forms_need_the_csrf_token(wc_admin, wc_shop):
    assert post(wc_admin, "/admin/modules/survey", {"enabled": "on"}, token=False).status_code == 403
    assert module_enabled(fresh(wc_shop), "survey") is False
