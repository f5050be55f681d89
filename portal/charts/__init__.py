"""Figures as pure functions (DataFrame -> plotly Figure): one code path for pages, embeds, exports and tests.

`results` builds `go.Figure`s. The explorer's figures (`budget`, `maps`, `datasets`) are plain dicts
in plotly's JSON schema (`plotly.graph_objects.Figure(fig)` accepts
them, and the tests validate them that way): building a `go.Figure` validates every attribute and
costs more than the whole aggregation behind a drill-down, which has to stay close to the
framework's own floor. Numbers are formatted in the browser by plotly (d3-format) with the
separators of the visitor's language, so the server does not format hundreds of labels.
"""

from __future__ import annotations

SEPARATORS = {"en": ".,", "de": ",.", "nl": ",.", "it": ",.", "fi": ", "}
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}


def separators(language: str) -> str:
    return SEPARATORS.get(language, ".,")


def base_layout(language: str = "en", **extra) -> dict:
    layout = {"separators": separators(language), "font": FONT, "margin": {"l": 8, "r": 8, "t": 32, "b": 8},
              "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}
    layout.update(extra)
    return layout


def empty(message: str, language: str = "en") -> dict:
    """A blank figure that says why it is blank."""
    return {"data": [], "layout": base_layout(
        language, xaxis={"visible": False}, yaxis={"visible": False},
        annotations=[{"text": message, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                      "font": {"size": 15}}])}


def lighten(hex_colour: str, share: float) -> str:
    """The colour mixed with white (share 0 = the colour, 1 = white)."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    mix = [round(c + (255 - c) * share) for c in (r, g, b)]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def sequential_scale(hex_colour: str) -> list[list]:
    return [[0.0, lighten(hex_colour, 0.92)], [0.5, lighten(hex_colour, 0.45)], [1.0, hex_colour]]


def colour_at(scale: list[list], t: float) -> str:
    """Linear interpolation in a two- or three-stop colour scale."""
    t = min(1.0, max(0.0, t))
    for (p0, c0), (p1, c1) in zip(scale, scale[1:], strict=False):
        if t <= p1:
            share = 0 if p1 == p0 else (t - p0) / (p1 - p0)
            a = [int(c0.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
            b = [int(c1.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
            return "#{:02x}{:02x}{:02x}".format(*[round(x + (y - x) * share) for x, y in zip(a, b, strict=True)])
    return scale[-1][1]


PHASE_STYLE = {
    "approved": {"dash": "solid", "symbol": "circle"},
    "proposed": {"dash": "dot", "symbol": "diamond"},
    "adjusted": {"dash": "dash", "symbol": "square"},
    "executed": {"dash": "solid", "symbol": "x"},
}

