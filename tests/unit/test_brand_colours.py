"""Brand colours: whatever the merchant picks, text on it and links on white stay readable."""
from __future__ import annotations

import pytest

from app.domain.shop.brand_colours import brand_palette, contrast, parse_colour, readable_on, text_on


def test_contrast_matches_the_wcag_reference_values():
    assert round(contrast("#000000", "#ffffff"), 2) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # the classic "just fails AA" grey
    assert round(contrast("#1f2937", "#ffffff"), 2) == 14.68


@pytest.mark.parametrize(("main", "on_main"), [
    ("#ffff00", "#000000"), ("#ffffff", "#000000"), ("#f59e0b", "#000000"),
    ("#1a1a1a", "#ffffff"), ("#005bd3", "#ffffff"), ("#8e0b21", "#ffffff"),
])
def test_text_on_the_main_colour_is_black_or_white_by_contrast(main, on_main):
    assert text_on(main) == on_main
    assert contrast(main, text_on(main)) >= 4.5


def test_every_colour_gets_readable_text_and_links():
    for value in range(0, 256, 5):
        for colour in (f"#{value:02x}{value:02x}{value:02x}", f"#{value:02x}ff{255 - value:02x}",
                       f"#ff{value:02x}00", f"#{value:02x}00ff"):
            palette = brand_palette({"primary_color": colour, "accent_color": colour})
            assert contrast(palette["main"], palette["on_main"]) >= 4.5, colour
            assert contrast(palette["link"], "#ffffff") >= 4.5, colour


def test_a_readable_accent_is_kept_and_a_pale_one_darkened():
    assert readable_on("#005bd3") == "#005bd3"
    pale = readable_on("#7dd3fc")
    assert pale != "#7dd3fc" and contrast(pale, "#ffffff") >= 4.5
    assert contrast(readable_on("#333333", "#000000"), "#000000") >= 4.5  # lightened on black


@pytest.mark.parametrize("junk", [None, "", "red", "#12345", "#1234567", "url(x)", "#fff;}body{", 12])
def test_only_hex_colours_reach_css(junk):
    assert parse_colour(junk) is None
    assert brand_palette({"primary_color": junk, "accent_color": junk}) == {
        "main": "#1f2937", "on_main": "#ffffff", "link": "#1f2937"}


def test_short_hex_is_expanded():
    assert parse_colour("#FA0") == "#ffaa00"
