"""A setting's form field, and how the text a form sends becomes its value.

Pure: a form (str → str) goes in, values or per-field messages (worded in the merchant's
language) come out. Unknown form keys are ignored, so a crafted post cannot write a value no
field declares. Which module and mail kind has which fields: app/domain/shop/module_fields.py;
the other settings pages (content, legal, earnings) declare their own.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from app.domain.arrival.work_calendars import region_code
from app.i18n import FALLBACK, N_, TextError, translate
from connectors.links import web_link


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # message id (app/i18n.py), as is hint
    kind: str  # bool | int | text | textarea | https_url | country | region | transit | code | color | domain
    # | locale | email | choice | decimal | by_lang (one text per LOCALES: inputs <name>_de, <name>_en)
    # | intervals (product key → days, one per line)
    # For int: the range; for text, low=1 makes the field required.
    low: int = 0
    high: int = 0
    max_length: int = 200
    hint: str | None = None
    # For int: an empty entry is allowed (None).
    optional: bool = False
    # For choice: (value, label) pairs; the first is the default.
    options: tuple[tuple[str, str], ...] = ()
    # Values the hint's message takes (e.g. the kind's own delay).
    hint_values: tuple[tuple[str, int], ...] = ()
    # by_lang: a textarea per language instead of a line.
    multiline: bool = False


# The voucher a mail or the survey may offer: one group of fields, checked together
# (`_voucher_errors`) wherever it is part of a form.
VOUCHER_FIELDS = (
    Field("voucher_mode", N_("admin.vouchers.mode"), "choice", options=(
        ("none", N_("admin.vouchers.mode_none")),
        ("static", N_("admin.vouchers.mode_static")),
        ("unique", N_("admin.vouchers.mode_unique")))),
    Field("voucher_code", N_("admin.vouchers.code"), "code", max_length=40,
          hint=N_("admin.vouchers.code_hint")),
    Field("voucher_type", N_("admin.vouchers.type"), "choice", options=(
        ("percent", N_("admin.vouchers.type_percent")), ("fixed", N_("admin.vouchers.type_fixed")))),
    Field("voucher_value", N_("admin.vouchers.value"), "decimal", 0, 100_000, max_length=12),
    Field("voucher_days", N_("admin.vouchers.days"), "int", 1, 365, optional=True),
    Field("voucher_minimum", N_("admin.vouchers.minimum"), "decimal", 0, 100_000, max_length=12),
)


COUNTRY = re.compile(r"^[A-Z]{2}$")
CODE = re.compile(r"^[A-Za-z0-9_-]+$")
TRANSIT_PART = re.compile(r"^([A-Z]{2}|EU|WORLD)\s+(\d{1,2})\s*-\s*(\d{1,2})$")


def form_input(field: Field, form: Mapping[str, str]) -> str | dict[str, str]:
    """What the form sent for the field: its text, or {lang: text} for a by_lang field."""
    if field.kind == "by_lang":
        return {lang: form.get(f"{field.name}_{lang}", "") for lang in LOCALES}
    return form.get(field.name, "")


def form_values(fields: tuple[Field, ...], form: Mapping[str, str]) -> dict[str, str | dict[str, str]]:
    """A rejected form's input by field name, to show it again as typed."""
    return {field.name: form_input(field, form) for field in fields}


def parse_field(field: Field, raw: str | Mapping[str, str] | None):
    """The field's value from the form; raises TextError with a message id for the merchant."""
    if field.kind == "by_lang":
        return _by_lang(field, raw if isinstance(raw, Mapping) else {})
    raw = (raw or "").strip() if isinstance(raw, str) or raw is None else ""
    if field.kind == "bool":
        return raw in ("on", "1", "true")
    if field.kind == "int":
        if not raw and field.optional:
            return None
        if not re.fullmatch(r"-?\d+", raw) or not field.low <= int(raw) <= field.high:
            raise TextError(N_("admin.field.whole_number"), low=field.low, high=field.high)
        return int(raw)
    if len(raw) > field.max_length:
        raise TextError(N_("admin.field.too_long"), most=field.max_length)
    if not raw:
        if field.kind in ("country", "transit", "locale") or field.low == 1 and field.kind == "text":
            raise TextError(N_("admin.field.required"))
        return None
    if field.kind in FIELD_PARSERS:
        return FIELD_PARSERS[field.kind](field, raw)
    return PARSERS[field.kind](raw)


def _country(raw: str) -> str:
    if not COUNTRY.match(raw.upper()):
        raise TextError(N_("admin.field.country"))
    return raw.upper()


def _https_url(raw: str) -> str:
    if web_link(raw, https_only=True) is None:
        raise TextError(N_("admin.field.https_url"))
    return raw


def _code(raw: str) -> str:
    if not CODE.match(raw):
        raise TextError(N_("admin.field.code"))
    return raw


DECIMAL = re.compile(r"^\d{1,9}([.,]\d{1,2})?$")


def _decimal(field: Field, raw: str) -> str:
    """A positive amount with at most two decimals, kept as text ("12.50") to stay exact."""
    if not DECIMAL.match(raw) or not field.low <= Decimal(raw.replace(",", ".")) <= field.high:
        raise TextError(N_("admin.vouchers.decimal"), low=field.low, high=field.high)
    return str(Decimal(raw.replace(",", ".")))


def _choice(field: Field, raw: str) -> str:
    if raw not in {value for value, _ in field.options}:
        raise TextError(N_("admin.vouchers.choice"))
    return raw


def _transit(raw: str) -> dict:
    table = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        match = TRANSIT_PART.match(part.upper())
        if not match or int(match[2]) > int(match[3]):
            raise TextError(N_("admin.field.transit_part"), part=part)
        table[match[1]] = [int(match[2]), int(match[3])]
    if "WORLD" not in table:
        raise TextError(N_("admin.field.transit_world"))
    return table


def _by_lang(field: Field, raw: Mapping[str, str]) -> dict[str, str]:
    """One text per language, the empty ones left out ({} when the merchant wrote none)."""
    texts = {lang: str(raw.get(lang) or "").strip() for lang in LOCALES}
    for text in texts.values():
        if len(text) > field.max_length:
            raise TextError(N_("admin.field.too_long"), most=field.max_length)
    return {lang: text for lang, text in texts.items() if text}


INTERVAL = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.:/-]{0,99})\s*[\s:=]\s*(\d{1,4})$")
INTERVAL_DAYS = (1, 730)


def _intervals(raw: str) -> dict[str, int]:
    """Days until a product runs out, by product id, variant id or SKU: "501 30" per line."""
    table: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[\n,;]", raw))):
        match = INTERVAL.match(part)
        if not match or not INTERVAL_DAYS[0] <= int(match[2]) <= INTERVAL_DAYS[1]:
            raise TextError(N_("admin.field.interval_part"), part=part, low=INTERVAL_DAYS[0],
                            high=INTERVAL_DAYS[1])
        table[match[1]] = int(match[2])
    return table


COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
LOCALES = ("de", "en")


def _color(raw: str) -> str:
    if not COLOR.match(raw):
        raise TextError(N_("admin.field.color"))
    return raw.lower()


def _domain(raw: str) -> str:
    if not DOMAIN.match(raw.lower()):
        raise TextError(N_("admin.field.domain"))
    return raw.lower()


def _locale(raw: str) -> str:
    if raw not in LOCALES:
        raise TextError(N_("admin.field.locale"))
    return raw


# One plain ASCII address (addr-spec, no display name): it goes into a header of every mail.
EMAIL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                   r"@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def _email(raw: str) -> str:
    if any(char in raw for char in "\r\n\x00") or not raw.isprintable():
        raise TextError(N_("admin.field.email_one_line"))
    if not EMAIL.match(raw) or len(raw) > 254:
        raise TextError(N_("admin.field.email"))
    local, _, domain = raw.rpartition("@")
    return f"{local}@{domain.lower()}"


# A region field is checked against the country field it belongs to (app/domain/arrival/work_calendars.py).
REGION_OF = {"origin_region": "origin_country"}

PARSERS: dict[str, Callable[[str], object]] = {
    "text": str, "textarea": str, "https_url": _https_url, "country": _country, "region": str, "code": _code,
    "intervals": _intervals, "transit": _transit, "color": _color, "domain": _domain, "locale": _locale,
    "email": _email}


FIELD_PARSERS = {"decimal": _decimal, "choice": _choice}


def format_field(field: Field, value) -> str | dict[str, str]:
    """The stored value as the form shows it ({lang: text} for a by_lang field)."""
    if field.kind == "by_lang":
        return {lang: str((value.get(lang) if isinstance(value, dict) else value) or "") for lang in LOCALES}
    if field.kind == "intervals" and isinstance(value, dict):
        return "\n".join(f"{key} {days}" for key, days in value.items())
    if field.kind == "transit" and isinstance(value, dict):
        return ", ".join(f"{key} {low}-{high}" for key, (low, high) in value.items())
    return "" if value is None else str(value)


def validate_fields(fields: tuple[Field, ...], form: Mapping[str, str],
                    lang: str = FALLBACK) -> tuple[dict, dict]:
    """Parse every field; (values, errors by field name, worded in `lang`)."""
    settings, errors = {}, {}
    for field in fields:
        try:
            settings[field.name] = parse_field(field, form_input(field, form))
        except TextError as exc:
            errors[field.name] = exc.text(lang)
    if "voucher_mode" in settings:
        errors.update({name: translate(lang, key) for name, key in _voucher_errors(settings, errors).items()})
    for field in fields:
        country = settings.get(REGION_OF.get(field.name, ""))
        if field.kind == "region" and settings.get(field.name) and country:
            try:
                settings[field.name] = region_code(country, settings[field.name])
            except TextError as exc:
                errors[field.name] = exc.text(lang)
    return settings, errors


PERCENT_MAX = Decimal(100)


def _voucher_errors(settings: dict, errors: dict) -> dict:
    """What the chosen voucher mode needs (message ids); the other mode's fields stay as typed."""
    mode = settings["voucher_mode"] or ("static" if settings.get("voucher_code") else "none")
    settings["voucher_mode"] = mode
    found = {}
    if mode == "static" and not settings.get("voucher_code") and "voucher_code" not in errors:
        found["voucher_code"] = N_("admin.vouchers.error.code")
    if mode != "unique":
        return found
    if not settings.get("voucher_type") and "voucher_type" not in errors:
        found["voucher_type"] = N_("admin.vouchers.error.type")
    value = settings.get("voucher_value")
    if value is None and "voucher_value" not in errors:
        found["voucher_value"] = N_("admin.vouchers.error.value")
    elif value is not None and Decimal(value) <= 0:
        found["voucher_value"] = N_("admin.vouchers.error.value_positive")
    elif value is not None and settings.get("voucher_type") == "percent" \
            and Decimal(value) > PERCENT_MAX:
        found["voucher_value"] = N_("admin.vouchers.error.percent_max")
    if settings.get("voucher_days") is None and "voucher_days" not in errors:
        found["voucher_days"] = N_("admin.vouchers.error.days")
    return found
