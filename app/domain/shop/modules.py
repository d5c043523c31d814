"""Module switches: which block parts and mail kinds a shop has on, with safe defaults."""
from __future__ import annotations

from app.domain.followups.planner_input import ShopInput

# key → on by default. Marketing mails start off: the merchant switches them on knowingly.
DEFAULT_ENABLED: dict[str, bool] = {
    "delivery_status": True,
    "tracking": True,
    "delivery_estimate": True,
    "reorder": True,
    "faq": False,
    "recommendations": False,
    "review_prompt": False,
    "banner": False,
    "social": False,
    "newsletter": False,
    "survey": False,
    # Transactional notices start on: they answer "where is my order?" before it is asked.
    "mail_shipped": True,
    "mail_out_for_delivery": True,
    "mail_ready_for_pickup": True,
    "mail_delivered": True,
    "mail_delayed": True,
    "mail_not_shipped": True,
    "mail_return_received": True,
    "mail_refund_issued": True,
    "mail_review_request": False,
    "mail_review_reminder": False,
    "mail_thank_you": False,
    "mail_how_to": False,
    "mail_nps": False,
    "mail_replenishment": False,
    "mail_anniversary": False,
    "mail_win_back": False,
    "mail_referral": False,
}


# Not a switch: the shop's own marketing caps and quiet hours (None = the app's defaults)
# and the objection notice that the existing-customer exemption requires.
MAIL_POLICY = "mail_policy"
# Not a switch either: how the shop's earnings are measured (app/domain/analytics/holdout.py,
# app/domain/analytics/attribution.py), edited on the admin's Earnings page.
MEASUREMENT = "measurement"

# key → settings a module reads when the merchant set nothing (merged key by key).
DEFAULT_SETTINGS: dict[str, dict] = {
    # Guess the carrier from the tracking number when the platform names none.
    "tracking": {"detect_carrier": True},
    # The merchant's delivery promise; transit days per country code, "EU" or "WORLD".
    "delivery_estimate": {"processing_days": 1, "cutoff_hour": 14, "origin_country": "DE",
                          "origin_region": None,
                          "transit_days": {"DE": [1, 2], "EU": [2, 5], "WORLD": [5, 10]}},
    # One of: google_place_id, trustpilot_domain, url (https). Without one, nothing shows.
    "review_prompt": {"google_place_id": None, "trustpilot_domain": None, "url": None},
    # Merchant content, edited on the admin's content page (app/domain/shop/block_content.py):
    # entries {id, question {de, en}, answer {de, en}, scope "all" | "product", product_ids, show}.
    "faq": {"entries": []},
    # title/text per language; url (https) and discount_code optional; the code never before delivery.
    "banner": {"title": {}, "text": {}, "url": None, "discount_code": None, "show": "after_delivery"},
    # Up to max_items products bought together with the order's, filled with best sellers.
    "recommendations": {"max_items": 4, "best_sellers": True},
    # One NPS question (0-10) and an optional comment; once delivered unless before_delivery.
    # The voucher (same for every score) is shown after answering, never before delivery.
    "survey": {"before_delivery": False, "question_de": None, "question_en": None, "voucher_code": None},
    # Double opt-in sign-up; text_* says what the newsletter brings (the buyer consents to that).
    "newsletter": {"text_de": None, "text_en": None},
    # https links; newsletter_url is the shop's own sign-up page.
    "social": {"instagram": None, "facebook": None, "tiktok": None, "youtube": None, "pinterest": None,
               "newsletter_url": None},
    # Every mail module also reads `delay_days` (overrides the kind's delay) and `texts`
    # ({"de": "...", "en": "..."}: the merchant's own opening paragraph).
    # Vouchers (survey, mail_delayed, mail_thank_you, mail_nps, mail_win_back): `voucher_mode`
    # none | static (`voucher_code`) | unique (voucher_type, voucher_value, voucher_days,
    # voucher_minimum: a single-use code per buyer; app/domain/followups/vouchers.py).
    # A goodwill voucher only goes to buyers who may receive advertising (see kind_context).
    "mail_delayed": {"voucher_code": None},
    "mail_thank_you": {"voucher_code": None},
    # Care and how-to advice in the merchant's words; without it the mail is not planned.
    "mail_how_to": {"content": {}},
    # The merchant's survey page (`?score=0..10` is appended), else our own (/t/<token>/survey).
    # The voucher is the same for every score.
    "mail_nps": {"survey_url": None, "voucher_code": None},
    # Days until a product runs out, keyed by product id, variant id or SKU.
    "mail_replenishment": {"intervals": {}},
    "mail_win_back": {"voucher_code": None},
    "mail_referral": {"share_url": None},
    # Attribution windows in days after a click (on the block or page / in a mail), and the
    # share of orders in percent held out from every marketing module and mail (None: the
    # app's HOLDOUT_PERCENT, 5 unless configured).
    MEASUREMENT: {"window_on_page_days": 1, "window_mail_days": 5, "holdout_percent": None},
}


def module_enabled(shop: ShopInput, key: str) -> bool:
    """The shop's switch for a module, or its default when the shop never touched it."""
    for module in shop.modules:
        if module.key == key:
            return module.enabled
    return DEFAULT_ENABLED.get(key, False)


def module_settings(shop: ShopInput, key: str) -> dict:
    """The module's settings over its defaults (reads the already loaded modules only)."""
    stored = next((m.settings for m in shop.modules if m.key == key), None) or {}
    return {**DEFAULT_SETTINGS.get(key, {}), **stored}


def module_derived(shop: ShopInput, key: str) -> dict | None:
    """What a job computed for the module (reads the already loaded modules only)."""
    return next((m.derived for m in shop.modules if m.key == key), None)
