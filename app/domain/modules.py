"""Module switches: which block parts and mail kinds a shop has on, with safe defaults."""
from __future__ import annotations

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
    "mail_shipped": True,
    "mail_review_request": False,
}


# Not a switch: the shop's own marketing caps and quiet hours (None = the app's defaults)
# and the objection notice that the existing-customer exemption requires.
MAIL_POLICY = "mail_policy"

# key → settings a module reads when the merchant set nothing (merged key by key).
DEFAULT_SETTINGS: dict[str, dict] = {
    # Guess the carrier from the tracking number when the platform names none.
    "tracking": {"detect_carrier": True},
    # The merchant's delivery promise; transit days per country code, "EU" or "WORLD".
    "delivery_estimate": {"processing_days": 1, "cutoff_hour": 14, "origin_country": "DE",
                          "transit_days": {"DE": [1, 2], "EU": [2, 5], "WORLD": [5, 10]}},
    # One of: google_place_id, trustpilot_domain, url (https). Without one, nothing shows.
    "review_prompt": {"google_place_id": None, "trustpilot_domain": None, "url": None},
}


def module_enabled(shop, key: str) -> bool:
    """The shop's switch for a module, or its default when the shop never touched it."""
    for module in shop.modules:
        if module.key == key:
            return module.enabled
    return DEFAULT_ENABLED.get(key, False)


def module_settings(shop, key: str) -> dict:
    """The module's settings over its defaults (reads the already loaded modules only)."""
    stored = next((m.settings for m in shop.modules if m.key == key), None) or {}
    return {**DEFAULT_SETTINGS.get(key, {}), **stored}
