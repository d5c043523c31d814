"""Module switches: which block parts and mail kinds a shop has on, with safe defaults."""
from __future__ import annotations

# key → on by default. Marketing mails start off: the merchant switches them on knowingly.
DEFAULT_ENABLED: dict[str, bool] = {
    "delivery_status": True,
    "tracking": True,
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


def module_enabled(shop, key: str) -> bool:
    """The shop's switch for a module, or its default when the shop never touched it."""
    for module in shop.modules:
        if module.key == key:
            return module.enabled
    return DEFAULT_ENABLED.get(key, False)
