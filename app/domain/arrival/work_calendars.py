"""Working days per country and region, through the holidays package's working-day API.

`calendar(country, region)` is the package's calendar for a country (its national public
holidays) or for one of its subdivisions: a German Bundesland (BY, HH, …), an Austrian one
(1–9, or Wien, Tirol, …), a Swiss canton (ZH, GE, TI, …), whatever
`holidays.list_supported_countries()` lists. The weekend is the country's own as the package
knows it. Days are counted with its `is_working_day` and `get_nth_working_day`; there is no
weekend rule of ours.

A country the package does not know counts Saturdays and Sundays only; a region it does not
know (a setting saved before regions were checked) counts the country's national holidays.
A calendar is built on first use, one per (country, region), and fills in the years it is
asked about: starting the app costs no more than importing the package.
"""
from __future__ import annotations

import threading
from datetime import date
from functools import lru_cache

import holidays

from app.i18n import N_, TextError

# A calendar adds a year's holidays to itself when a date in that year is first asked about.
_FILLING = threading.Lock()


@lru_cache(maxsize=256)
def calendar(country: str, region: str | None = None) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country, subdiv=region or None)
    except NotImplementedError:
        if region:
            return calendar(country)
        return holidays.HolidayBase()  # Saturday and Sunday off, no holidays


def is_working_day(day: date, country: str, region: str | None = None) -> bool:
    return _is_working_day(day, country.upper(), region)


def nth_working_day(day: date, count: int, country: str, region: str | None = None) -> date:
    """The `count`-th working day after `day`; `day` itself when count is 0 or less."""
    if count <= 0:
        return day
    return _nth_working_day(day, count, country.upper(), region)


# The answers are remembered: a calendar's holidays never change while the process runs,
# and a drain asks the same few questions (today's orders, a few days' count) for every
# delivery; the package's own count walks day by day through its holiday lookups.
@lru_cache(maxsize=8192)
def _is_working_day(day: date, country: str, region: str | None) -> bool:
    with _FILLING:
        return calendar(country, region).is_working_day(day)


@lru_cache(maxsize=8192)
def _nth_working_day(day: date, count: int, country: str, region: str | None) -> date:
    with _FILLING:
        return calendar(country, region).get_nth_working_day(day, count)


def regions(country: str) -> tuple[str, ...]:
    """The subdivision codes the package has holidays for (empty for an unknown country)."""
    return tuple(holidays.list_supported_countries().get(country.upper(), ()))


def region_code(country: str, raw: str) -> str:
    """The package's code for a region given by code or name (by, Bayern, DE-BY, Wien, 9);
    ValueError with the choices when the country has no such region."""
    country = country.upper()
    codes = regions(country)
    if not codes:
        raise TextError(N_("admin.field.no_regions"), country=country)
    wanted = raw.strip().casefold().removeprefix(f"{country.casefold()}-")
    names = {code.casefold(): code for code in codes}
    aliases = getattr(calendar(country), "subdivisions_aliases", None) or {}
    names.update((alias.casefold(), code) for alias, code in aliases.items())
    if wanted not in names:
        raise TextError(N_("admin.field.not_a_region"), country=country, codes=", ".join(codes))
    return names[wanted]

