"""Colours readable with the common colour-vision deficiencies, and the arithmetic that checks them.

- `CATEGORICAL`: the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), for charts whose colours
  name categories (dataset groups, delivery status, ballot channels).
- `simulate(hex, kind)`: how a colour looks with protanopia, deuteranopia or tritanopia (Machado, Oliveira &
  Fernandes 2009, severity 1.0 matrices, applied in linear RGB).
- `delta_e(a, b)`: CIEDE2000 colour difference in CIELAB (D65); `contrast(a, b)`: WCAG 2.1 contrast ratio.
- `THEME_TEXT`: the text/background pairs the portal's own CSS sets (assets/portal.css); each must reach 4.5:1.
"""

from __future__ import annotations

import math

CATEGORICAL = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
"""Okabe–Ito: blue, vermillion, bluish green, orange, reddish purple, sky blue, black, yellow."""

PARTICIPATORY = "#007a5a"
"""The participatory budget's colour: Okabe–Ito's bluish green, darkened to 5.3:1 on white (usable for text)."""
GREY = "#adb5bd"

STATUS = {"planned": "#6c757d", "in_progress": "#0072B2", "delayed": "#E69F00", "completed": "#009E73",
          "cancelled": "#D55E00"}

# Machado et al. 2009, severity 1.0 (linear RGB -> linear RGB)
MACHADO = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}

THEME_TEXT = [  # (what, text colour, background colour), as set in assets/portal.css and the components
    ("body text", "#212529", "#ffffff"),
    ("navbar text", "#ffffff", "#212529"),
    ("outline warning button", "#7a4d00", "#ffffff"),
    ("outline secondary button on an info alert", "#41464b", "#cff4fc"),
    ("warning progress bar label", "#000000", "#ffc107"),
    ("info badge", "#000000", "#0dcaf0"),
    ("participatory note", "#0a5c26", "#ffffff"),
    ("table filter case toggle", "#212529", "#fafafa"),
]
FOCUS_RINGS = [("focus ring on light", "#1f3a60", "#ffffff"), ("focus ring on the navbar", "#ffd33d", "#212529")]


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _gamma(c: float) -> float:
    c = min(1.0, max(0.0, c))
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def simulate(hex_colour: str, kind: str) -> str:
    """The colour as seen with `kind` (protanopia, deuteranopia, tritanopia)."""
    lin = [_linear(c) for c in _rgb(hex_colour)]
    out = [_gamma(sum(m * c for m, c in zip(row, lin, strict=True))) for row in MACHADO[kind]]
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in out))


def luminance(hex_colour: str) -> float:
    r, g, b = (_linear(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def lab(hex_colour: str) -> tuple[float, float, float]:
    r, g, b = (_linear(c) for c in _rgb(hex_colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a: str, b: str) -> float:
    """CIEDE2000 between two colours given as hex."""
    return ciede2000(lab(a), lab(b))


def ciede2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """CIEDE2000 (Sharma, Wu & Dalal 2005) between two CIELAB colours."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    cm = (c1 + c2) / 2
    g = 0.5 * (1 - math.sqrt(cm ** 7 / (cm ** 7 + 25 ** 7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    dh = 0.0
    if c1p * c2p:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    dhh = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    lm, cmp_ = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hm = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hm = (h1p + h2p) / 2
    else:
        hm = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(hm - 30)) + 0.24 * math.cos(math.radians(2 * hm))
         + 0.32 * math.cos(math.radians(3 * hm + 6)) - 0.20 * math.cos(math.radians(4 * hm - 63)))
    sl = 1 + 0.015 * (lm - 50) ** 2 / math.sqrt(20 + (lm - 50) ** 2)
    sc = 1 + 0.045 * cmp_
    sh = 1 + 0.015 * cmp_ * t
    rt = (-2 * math.sqrt(cmp_ ** 7 / (cmp_ ** 7 + 25 ** 7))
          * math.sin(math.radians(60 * math.exp(-(((hm - 275) / 25) ** 2)))))
    return math.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dhh / sh) ** 2 + rt * (dc / sc) * (dhh / sh))


def min_difference(colours: list[str], kind: str | None = None) -> tuple[float, str, str]:
    """The smallest CIEDE2000 difference between any two of `colours` (as seen with `kind`, if given)."""
    seen = [simulate(c, kind) if kind else c for c in colours]
    best = (float("inf"), "", "")
    for i in range(len(colours)):
        for j in range(i + 1, len(colours)):
            d = delta_e(seen[i], seen[j])
            if d < best[0]:
                best = (d, colours[i], colours[j])
    return best
