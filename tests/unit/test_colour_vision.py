"""The portal's colours stay apart for people with protanopia, deuteranopia and tritanopia (Machado et al. 2009
simulation, CIEDE2000 differences), and its text colours reach WCAG AA contrast (4.5:1)."""

import json
from pathlib import Path

import pytest

from portal.charts import palette
from portal.charts.datasets import PALETTE
from portal.charts.feedback import STATUS_COLOURS
from portal.charts.results import CHANNEL_COLOURS

KINDS = [None, "protanopia", "deuteranopia", "tritanopia"]
MIN_DELTA_E = 10.0  # CIEDE2000: about 2.3 is "just noticeable"; 10 is clearly another colour at a glance
CITIES = sorted((Path(__file__).resolve().parents[2] / "data" / "cities").glob("*.json"))


def test_ciede2000_matches_the_published_test_data():
    # Sharma, Wu & Dalal (2005), table 1: pairs 1, 7, 17 and 25
    assert palette.ciede2000((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert palette.ciede2000((50, 0, 0), (50, -1, 2)) == pytest.approx(2.3669, abs=1e-4)
    assert palette.ciede2000((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-4)
    assert palette.ciede2000((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387)) == pytest.approx(
        1.2644, abs=1e-4)


def test_the_simulation_moves_the_colours_a_deficiency_confuses():
    # red and green look alike to a deuteranope, differ for everyone else
    red, green = "#d62728", "#2ca02c"
    assert palette.delta_e(red, green) > 50
    assert palette.delta_e(palette.simulate(red, "deuteranopia"), palette.simulate(green, "deuteranopia")) < 15
    # blue and green are confused with tritanopia, far less with protanopia
    blue, teal = "#1f77b4", "#17becf"
    assert palette.delta_e(palette.simulate(blue, "tritanopia"), palette.simulate(teal, "tritanopia")) < \
        palette.delta_e(palette.simulate(blue, "protanopia"), palette.simulate(teal, "protanopia"))
    assert palette.simulate("#ffffff", "protanopia") == "#ffffff"  # rows of each matrix sum to 1


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name, colours", [
    ("categorical (datasets)", PALETTE), ("delivery status", list(STATUS_COLOURS.values())),
    ("ballot channels", CHANNEL_COLOURS),
    ("priorities: votes, funded, spending", ["#1f3a60", palette.PARTICIPATORY, palette.GREY]),
])
def test_chart_colours_stay_distinguishable(name, colours, kind):
    smallest, a, b = palette.min_difference(colours, kind)
    assert smallest >= MIN_DELTA_E, f"{name}: {a} and {b} differ by {smallest:.1f} with {kind or 'normal vision'}"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("city", CITIES, ids=lambda p: p.stem)
def test_city_colours_stay_distinguishable(city, kind):
    colours = list(json.loads(city.read_text(encoding="utf-8"))["colours"].values())
    smallest, a, b = palette.min_difference(colours, kind)
    assert smallest >= MIN_DELTA_E, f"{city.stem}: {a} and {b} differ by {smallest:.1f} with {kind or 'normal'}"


def test_the_bad_old_participatory_green_would_have_failed():
    """Köln's former green (#0a7d32) next to its red was only 6 apart for a deuteranope: the check catches it."""
    smallest, _a, _b = palette.min_difference(["#b3001b", "#1f3a60", "#0a7d32"], "deuteranopia")
    assert smallest < MIN_DELTA_E


@pytest.mark.parametrize("what, text, background", palette.THEME_TEXT, ids=[w for w, *_ in palette.THEME_TEXT])
def test_theme_text_reaches_aa_contrast(what, text, background):
    assert palette.contrast(text, background) >= 4.5


@pytest.mark.parametrize("what, ring, background", palette.FOCUS_RINGS, ids=[w for w, *_ in palette.FOCUS_RINGS])
def test_focus_rings_reach_non_text_contrast(what, ring, background):
    assert palette.contrast(ring, background) >= 3.0  # WCAG 2.1 1.4.11


def test_the_theme_pairs_are_the_ones_in_the_stylesheet():
    css = (Path(__file__).resolve().parents[2] / "assets" / "portal.css").read_text(encoding="utf-8").lower()
    for colour in ("#7a4d00", "#41464b", "#ffd33d", "#1f3a60"):
        assert colour in css


def test_contrast_ratio_known_values():
    assert palette.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert palette.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
