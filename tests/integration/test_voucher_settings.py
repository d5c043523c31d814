"""The merchant sets a module's voucher: none, one static code, or a single-use code per buyer
(value, expiry, minimum order), validated with clear messages; previews show a sample code
and never create one."""

import pytest
from sqlalchemy import select

from app.domain.followups.vouchers import SAMPLE_CODE, voucher_setting
from app.domain.shop.modules import module_settings
from app.extensions import db
from app.models import IssuedVoucherRow
from connectors.base import DiscountType
from tests.integration.test_admin_forms import fresh, post

UNIQUE_FORM = {
    "enabled": "on",
    "voucher_mode": "unique",
    "voucher_type": "percent",
    "voucher_value": "12,5",
    "voucher_days": "45",
    "voucher_minimum": "30",
}


def test_a_unique_voucher_is_saved_for_the_thank_you_mail(wc_admin, wc_shop):
    page = wc_admin.get("/admin/modules").get_data(as_text=True)
    assert 'id="f-mail_thank_you-voucher_mode"' in page and '<option value="unique">' in page
    assert post(wc_admin, "/admin/modules/mail_thank_you", UNIQUE_FORM).status_code == 200
    settings = module_settings(fresh(wc_shop), "mail_thank_you")
    assert {k: settings[k] for k in UNIQUE_FORM if k != "enabled"} == {
        "voucher_mode": "unique",
        "voucher_type": "percent",
        "voucher_value": "12.5",
        "voucher_days": 45,
        "voucher_minimum": "30",
    }
    setting = voucher_setting(settings)
    assert (
        setting.mode,
        setting.discount,
        str(setting.value),
        setting.days,
        str(setting.minimum),
    ) == ("unique", DiscountType.PERCENT, "12.5", 45, "30")
    page = wc_admin.get("/admin/modules").get_data(as_text=True)
    assert '<option value="unique" selected>' in page


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"voucher_value": "120"}, "voucher_value", "A percentage cannot be more than 100."),
        ({"voucher_value": "0"}, "voucher_value", "The discount must be more than 0."),
        ({"voucher_value": ""}, "voucher_value", "Enter the discount"),
        ({"voucher_value": "zehn"}, "voucher_value", "at most two decimals"),
        ({"voucher_value": "4.999"}, "voucher_value", "at most two decimals"),
        ({"voucher_type": ""}, "voucher_type", "Choose a percentage or a fixed amount off."),
        ({"voucher_type": "free_shipping"}, "voucher_type", "Choose one of the options."),
        (
            {"voucher_days": ""},
            "voucher_days",
            "Enter how many days the code stays valid (1 to 365).",
        ),
        ({"voucher_days": "400"}, "voucher_days", "from 1 to 365"),
        ({"voucher_minimum": "-5"}, "voucher_minimum", "at most two decimals"),
        ({"voucher_mode": "static"}, "voucher_code", "Enter the code buyers type at checkout"),
        (
            {"voucher_mode": "static", "voucher_code": "DANKE 10%"},
            "voucher_code",
            "letters, digits, - and _ only",
        ),
        ({"voucher_mode": "everything"}, "voucher_mode", "Choose one of the options."),
    ],
)
def test_a_bad_voucher_is_refused_with_its_message_and_nothing_saved(
    wc_admin, wc_shop, changes, field, message
):
    for key in ("mail_win_back", "survey"):
        response = post(wc_admin, f"/admin/modules/{key}", {**UNIQUE_FORM, **changes})
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert f'id="f-{key}-{field}"' in page and 'aria-invalid="true"' in page and message in page
        assert "voucher_mode" not in module_settings(fresh(wc_shop), key)


def test_no_voucher_and_a_static_code_stay_possible(wc_admin, wc_shop):
    assert (
        post(
            wc_admin,
            "/admin/modules/mail_nps",
            {"enabled": "on", "voucher_mode": "static", "voucher_code": "NPS5"},
        ).status_code
        == 200
    )
    assert voucher_setting(module_settings(fresh(wc_shop), "mail_nps")).code == "NPS5"
    assert (
        post(
            wc_admin,
            "/admin/modules/mail_nps",
            {"enabled": "on", "voucher_mode": "none", "voucher_code": "NPS5"},
        ).status_code
        == 200
    )
    assert voucher_setting(module_settings(fresh(wc_shop), "mail_nps")).mode == "none"


def test_previews_show_a_sample_code_and_create_none(wc_admin, wc_shop):
    assert post(wc_admin, "/admin/modules/mail_thank_you", UNIQUE_FORM).status_code == 200
    assert (
        post(
            wc_admin, "/admin/modules/mail_delayed", {**UNIQUE_FORM, "delay_days": "3"}
        ).status_code
        == 200
    )
    preview = wc_admin.get("/admin/previews?lang=en").get_data(as_text=True)
    assert f"Your voucher code for your next order: {SAMPLE_CODE}" in preview
    assert db.session.scalars(select(IssuedVoucherRow)).all() == []
