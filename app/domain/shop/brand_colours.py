"""The merchant's colours made safe to read: WCAG contrast decides every text colour.

A merchant may pick any main and accent colour. Text on the main colour (header, buttons,
the current step) is black or white, whichever contrasts more: for any colour one of them
reaches at least 4.58:1. The accent colour colours links on white, so it is darkened until
it reaches 4.5:1 there. Only colours parsed here (#rgb or #rrggbb) ever reach CSS.
"""
from __future__ import annotations

import re
from functools import lru_cache

HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
BLACK, WHITE = "#000000", "#ffffff"
DEFAULT_MAIN = "#1f2937"
MIN_TEXT_CONTRAST = 4.5  # WCAG 2 AA, normal text


def parse_colour(value) -> str | None:
    """A #rrggbb colour in lower case, or None for anything else."""
    if not isinstance(value, str) or not HEX.match(value.strip()):
        return None
    digits = value.strip()[1:].lower()
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def _channels(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on(background: str) -> str:
    """Black or white, whichever reads better on `background`."""
    return BLACK if contrast(background, BLACK) >= contrast(background, WHITE) else WHITE


def readable_on(colour: str, background: str = WHITE, minimum: float = MIN_TEXT_CONTRAST) -> str:
    """`colour` itself when it reads on `background`, else the nearest shade towards black or
    white (whichever the background contrasts with) that does."""
    if contrast(colour, background) >= minimum:
        return colour
    target = _channels(text_on(background))
    start = _channels(colour)
    for step in range(1, 21):
        mix = step / 20
        shade = "#" + "".join(f"{round(c + (t - c) * mix):02x}" for c, t in zip(start, target, strict=True))
        if contrast(shade, background) >= minimum:
            return shade
    return text_on(background)


def brand_palette(branding: dict | None) -> dict[str, str]:
    """CSS colours for the buyer's pages from the shop's branding, each pair readable."""
    branding = branding or {}
    main = parse_colour(branding.get("primary_color")) or DEFAULT_MAIN
    accent = parse_colour(branding.get("accent_color")) or main
    return dict(_palette(main, accent))


@lru_cache(maxsize=1024)
def _palette(main: str, accent: str) -> tuple[tuple[str, str], ...]:
    """Worked out once per pair of colours: every page view and mail asks again."""
    return ("main", main), ("on_main", text_on(main)), ("link", readable_on(accent))
