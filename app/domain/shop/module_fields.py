"""What the merchant can set per module, and how a submitted form becomes valid settings.

Pure: a form (str → str) goes in, settings or per-field messages come out. Unknown form
keys are ignored, so a crafted post cannot write settings a module does not have.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.domain.arrival.work_calendars import region_code
from app.domain.followups.mail_kinds import KINDS
from connectors.links import web_link


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # bool | int | text | textarea | https_url | country | region | transit | code | color | domain
    # | locale | email | choice | decimal
    # For int: the range; for text, low=1 makes the field required.
    low: int = 0
    high: int = 0
    max_length: int = 200
    hint: str | None = None
    # For int: an empty entry is allowed (None).
    optional: bool = False
    # For choice: (value, label) pairs; the first is the default.
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ModuleSpec:
    key: str
    title: str
    description: str
    group: str  # block | mail
    fields: tuple[Field, ...] = ()
    # False: saved and switchable, but the block does not show it yet.
    live: bool = True
    # Said above the voucher fields, when the module has them.
    voucher_note: str | None = None


VOUCHER_FIELDS = (
    Field("voucher_mode", "Voucher", "choice", options=(
        ("none", "No voucher"),
        ("static", "One code for everyone (typed below)"),
        ("unique", "A single-use code per buyer, created in your shop when the mail goes out"))),
    Field("voucher_code", "Code for everyone", "code", max_length=40,
          hint="Letters, digits, - and _. Shared codes tend to end up on coupon sites."),
    Field("voucher_type", "Single-use code: discount", "choice", options=(
        ("percent", "Percentage off the order"), ("fixed", "Fixed amount off the order"))),
    Field("voucher_value", "Single-use code: value (percent, or amount in the shop's currency)",
          "decimal", 0, 100_000, max_length=12),
    Field("voucher_days", "Single-use code: valid for (days)", "int", 1, 365, optional=True),
    Field("voucher_minimum", "Single-use code: minimum order value (empty: none)", "decimal",
          0, 100_000, max_length=12),
)

BLOCK_MODULES = (
    ModuleSpec("delivery_status", "Order progress", "The timeline from order to delivery.", "block"),
    ModuleSpec("tracking", "Parcel tracking", "Carrier, tracking number and link per parcel.", "block",
               (Field("detect_carrier", "Guess the carrier from the tracking number", "bool"),)),
    ModuleSpec("delivery_estimate", "Delivery estimate", "The expected delivery window.", "block", (
        Field("processing_days", "Processing days before dispatch", "int", 0, 30),
        Field("cutoff_hour", "Order cut-off hour (shop time)", "int", 0, 23),
        Field("origin_country", "Ships from (country code)", "country"),
        Field("origin_region", "Ships from region (its public holidays count; empty: the country's only)",
              "region", max_length=40,
              hint="A German Bundesland, Austrian state or Swiss canton, by code or name: BY, Bayern, 9, Wien, ZH"),
        Field("transit_days", "Transit days", "transit",
              hint="Per country code, EU or WORLD, e.g. DE 1-2, EU 2-5, WORLD 5-10"),
    )),
    ModuleSpec("reorder", "Buy again", "A link that puts the same items back into the cart.", "block"),
    ModuleSpec("review_prompt", "Review prompt", "After delivery, the same review link for every buyer "
               "(the target is set under Content & branding).", "block"),
    ModuleSpec("faq", "FAQ and how-tos", "Answers for every order or per product; how-to and care entries "
               "after delivery (entries are written under Content & branding).", "block"),
    ModuleSpec("recommendations", "Recommendations", "Products often bought together with the order's, from "
               "your own orders (never one already in the order), filled up with best sellers; refreshed hourly.",
               "block", (
                   Field("max_items", "Products shown at most", "int", 1, 8),
                   Field("best_sellers", "Fill up with best sellers", "bool"),
               )),
    ModuleSpec("banner", "Banner", "A message with an optional discount code, after delivery by default; "
               "the code never shows before delivery (set under Content & branding).", "block"),
    ModuleSpec("social", "Social links", "Links to the shop's social profiles and newsletter sign-up "
               "(set under Content & branding).", "block"),
    ModuleSpec("newsletter", "Newsletter sign-up", "Sign-up for the order's e-mail address with double opt-in: "
               "a confirmation mail goes out, consent counts only once its link is confirmed.", "block", (
                   Field("text_de", "What the newsletter brings (German; empty: our default text)", "text",
                         max_length=300),
                   Field("text_en", "What the newsletter brings (English)", "text", max_length=300),
               )),
    ModuleSpec("survey", "Survey (NPS)", "One question (0-10) and an optional comment, after delivery; one answer "
               "per order. Also the page the NPS mail links to when it has no survey address of its own.", "block", (
                   Field("before_delivery", "Also ask before delivery", "bool"),
                   Field("question_de", "Question (German; empty: the standard NPS question)", "text",
                         max_length=200),
                   Field("question_en", "Question (English)", "text", max_length=200),
                   *VOUCHER_FIELDS,
               ), voucher_note="Thank-you voucher after answering (the same for every score; "
                               "never before delivery)."),
)
MAIL_TITLES = {"shipped": "Shipping notice", "review_request": "Review request",
               "not_shipped": "Not shipped yet", "delayed": "Delay notice"}
# The few mail settings the admin edits so far (the rest: issue "the complete admin").
MAIL_FIELDS = {
    "not_shipped": (Field("delay_days", "Business days after the order before the buyer is told it has not "
                          "left yet (paid orders only)", "int", 1, 20),),
    "delayed": (Field("delay_days", "Business days without news from the carrier before a parcel counts as "
                      "stalled", "int", 1, 20), *VOUCHER_FIELDS),
    "thank_you": VOUCHER_FIELDS,
    "nps": VOUCHER_FIELDS,
    "win_back": VOUCHER_FIELDS,
}
VOUCHER_NOTES = {
    "delayed": "Goodwill voucher: only buyers who may receive advertising see it (the notice "
               "then carries the objection notice).",
    "thank_you": "Voucher for the next order, shown in the thank-you mail.",
    "nps": "Thank-you voucher (the same for every score).",
    "win_back": "Voucher to bring the buyer back.",
}


def mail_modules() -> tuple[ModuleSpec, ...]:
    """One switch per mail kind in the registry; marketing kinds say what they need."""
    specs = []
    for kind in (k for k in KINDS.values() if not k.on_request):
        note = ("Marketing: sent only with consent (or the existing-customer exemption), with one-click "
                "unsubscribe, caps and quiet hours." if kind.marketing else "Transactional: no advertising.")
        specs.append(ModuleSpec(kind.module, MAIL_TITLES.get(kind.key, kind.key.replace("_", " ").title()),
                                note, "mail", MAIL_FIELDS.get(kind.key, ()),
                                voucher_note=VOUCHER_NOTES.get(kind.key)))
    return tuple(specs)


def module_specs() -> dict[str, ModuleSpec]:
    return {spec.key: spec for spec in (*BLOCK_MODULES, *mail_modules())}


COUNTRY = re.compile(r"^[A-Z]{2}$")
CODE = re.compile(r"^[A-Za-z0-9_-]+$")
TRANSIT_PART = re.compile(r"^([A-Z]{2}|EU|WORLD)\s+(\d{1,2})\s*-\s*(\d{1,2})$")


def parse_field(field: Field, raw: str | None):
    """The field's value from the form; raises ValueError with a message for the merchant."""
    raw = (raw or "").strip()
    if field.kind == "bool":
        return raw in ("on", "1", "true")
    if field.kind == "int":
        if not raw and field.optional:
            return None
        if not re.fullmatch(r"-?\d+", raw) or not field.low <= int(raw) <= field.high:
            raise ValueError(f"Enter a whole number from {field.low} to {field.high}.")
        return int(raw)
    if len(raw) > field.max_length:
        raise ValueError(f"Use at most {field.max_length} characters.")
    if not raw:
        if field.kind in ("country", "transit", "locale") or field.low == 1 and field.kind == "text":
            raise ValueError("This field is required.")
        return None
    if field.kind in FIELD_PARSERS:
        return FIELD_PARSERS[field.kind](field, raw)
    return PARSERS[field.kind](raw)


def _country(raw: str) -> str:
    if not COUNTRY.match(raw.upper()):
        raise ValueError("Enter a two-letter country code such as DE.")
    return raw.upper()


def _https_url(raw: str) -> str:
    if web_link(raw, https_only=True) is None:
        raise ValueError("Enter a full address starting with https:// (no spaces, no login).")
    return raw


def _code(raw: str) -> str:
    if not CODE.match(raw):
        raise ValueError("Use letters, digits, - and _ only.")
    return raw


DECIMAL = re.compile(r"^\d{1,9}([.,]\d{1,2})?$")


def _decimal(field: Field, raw: str) -> str:
    """A positive amount with at most two decimals, kept as text ("12.50") to stay exact."""
    if not DECIMAL.match(raw) or not field.low <= Decimal(raw.replace(",", ".")) <= field.high:
        raise ValueError(f"Enter a number from {field.low} to {field.high} with at most two "
                         "decimals, e.g. 10 or 4.99.")
    return str(Decimal(raw.replace(",", ".")))


def _choice(field: Field, raw: str) -> str:
    if raw not in {value for value, _ in field.options}:
        raise ValueError("Choose one of the options.")
    return raw


def _transit(raw: str) -> dict:
    table = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        match = TRANSIT_PART.match(part.upper())
        if not match or int(match[2]) > int(match[3]):
            raise ValueError(f"'{part}' is not like 'DE 1-2' (country, fewest days, most days).")
        table[match[1]] = [int(match[2]), int(match[3])]
    if "WORLD" not in table:
        raise ValueError("Add a WORLD entry for every other country, e.g. WORLD 5-10.")
    return table


COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
LOCALES = ("de", "en")


def _color(raw: str) -> str:
    if not COLOR.match(raw):
        raise ValueError("Enter a colour as #RRGGBB, e.g. #1A1A1A.")
    return raw.lower()


def _domain(raw: str) -> str:
    if not DOMAIN.match(raw.lower()):
        raise ValueError("Enter a bare domain such as example.com (no https://, no path).")
    return raw.lower()


def _locale(raw: str) -> str:
    if raw not in LOCALES:
        raise ValueError("Choose German (de) or English (en).")
    return raw


# One plain ASCII address (addr-spec, no display name): it goes into a header of every mail.
EMAIL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                   r"@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def _email(raw: str) -> str:
    if any(char in raw for char in "\r\n\x00") or not raw.isprintable():
        raise ValueError("Enter the address on one line: line breaks and control characters are refused "
                         "(in a mail header they would add headers of their own).")
    if not EMAIL.match(raw) or len(raw) > 254:
        raise ValueError("Enter one plain e-mail address such as support@example.com (no name, no spaces, "
                         "no commas; a domain with umlauts in its xn-- form).")
    local, _, domain = raw.rpartition("@")
    return f"{local}@{domain.lower()}"


# A region field is checked against the country field it belongs to (app/domain/arrival/work_calendars.py).
REGION_OF = {"origin_region": "origin_country"}

PARSERS = {"text": str, "textarea": str, "https_url": _https_url, "country": _country, "region": str,
           "code": _code,
           "transit": _transit, "color": _color, "domain": _domain, "locale": _locale, "email": _email}


FIELD_PARSERS = {"decimal": _decimal, "choice": _choice}


def format_field(field: Field, value) -> str:
    """The stored value as the form shows it."""
    if field.kind == "transit" and isinstance(value, dict):
        return ", ".join(f"{key} {low}-{high}" for key, (low, high) in value.items())
    return "" if value is None else str(value)


def validate_settings(spec: ModuleSpec, form: Mapping[str, str]) -> tuple[dict, dict]:
    """(settings, errors by field name); settings are complete only when errors is empty."""
    return validate_fields(spec.fields, form)


def validate_fields(fields: tuple[Field, ...], form: Mapping[str, str]) -> tuple[dict, dict]:
    """Parse every field; (values, errors by field name)."""
    settings, errors = {}, {}
    for field in fields:
        try:
            settings[field.name] = parse_field(field, form.get(field.name))
        except ValueError as exc:
            errors[field.name] = str(exc)
    if "voucher_mode" in settings:
        errors.update(_voucher_errors(settings, errors))
    for field in fields:
        country = settings.get(REGION_OF.get(field.name, ""))
        if field.kind == "region" and settings.get(field.name) and country:
            try:
                settings[field.name] = region_code(country, settings[field.name])
            except ValueError as exc:
                errors[field.name] = str(exc)
    return settings, errors


PERCENT_MAX = Decimal(100)


def _voucher_errors(settings: dict, errors: dict) -> dict:
    """What the chosen voucher mode needs; the other mode's fields stay as typed."""
    mode = settings["voucher_mode"] or ("static" if settings.get("voucher_code") else "none")
    settings["voucher_mode"] = mode
    found = {}
    if mode == "static" and not settings.get("voucher_code") and "voucher_code" not in errors:
        found["voucher_code"] = ("Enter the code buyers type at checkout, or choose another kind "
                                 "of voucher.")
    if mode != "unique":
        return found
    if not settings.get("voucher_type") and "voucher_type" not in errors:
        found["voucher_type"] = "Choose a percentage or a fixed amount off."
    value = settings.get("voucher_value")
    if value is None and "voucher_value" not in errors:
        found["voucher_value"] = ("Enter the discount: a percentage (e.g. 10) or an amount "
                                  "(e.g. 5.00).")
    elif value is not None and Decimal(value) <= 0:
        found["voucher_value"] = "The discount must be more than 0."
    elif value is not None and settings.get("voucher_type") == "percent" \
            and Decimal(value) > PERCENT_MAX:
        found["voucher_value"] = "A percentage cannot be more than 100."
    if settings.get("voucher_days") is None and "voucher_days" not in errors:
        found["voucher_days"] = "Enter how many days the code stays valid (1 to 365)."
    return found
