"""plotly.js in the visitor's language: its own texts (mode bar, hover labels of box plots, ...) come from the
portal's catalogues, day and month names from Babel, and one script registers them before plotly.js loads.

The plotly Python package ships plotly.js with its English locale only (the other locale files are not in the
wheel), so the portal writes the locale modules itself from its catalogues; the script is served from the
portal (`script-src 'self'` holds) and `dcc.Graph`'s `config.locale` picks the language.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from babel import Locale
from flask_babel import force_locale

from portal.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, current_language, gettext

URL = "/vendor/plotly-locales.js"

# The texts plotly.js 4 localises (checked against the bundled plotly.min.js), as its English keys.
PLOTLY_TEXTS = [
    N_("Autoscale"), N_("Box Select"), N_("Click to enter Colorscale title"), N_("Click to enter Component A title"),
    N_("Click to enter Component B title"), N_("Click to enter Component C title"), N_("Click to enter Plot title"),
    N_("Click to enter X axis title"), N_("Click to enter Y axis title"), N_("Click to enter radial axis title"),
    N_("Compare data on hover"), N_("Double-click on legend to isolate one trace"), N_("Double-click to zoom back out"),
    N_("Download plot"), N_("Download plot as a PNG"), N_("Download plot as JSON"), N_("Draw circle"),
    N_("Draw closed freeform"), N_("Draw line"), N_("Draw open freeform"), N_("Draw rectangle"),
    N_("Erase active shape"), N_("Lasso Select"), N_("Orbital rotation"), N_("Pan"), N_("Produced with Plotly.js"),
    N_("Reset"), N_("Reset axes"), N_("Reset camera to default"), N_("Reset camera to last save"), N_("Reset view"),
    N_("Reset views"), N_("Show closest data on hover"), N_("Toggle Spike Lines"),
    N_("Toggle show closest data on hover"), N_("Turntable rotation"), N_("Zoom"), N_("Zoom in"), N_("Zoom out"),
    N_("close:"), N_("concentration:"), N_("high:"), N_("incoming flow count:"), N_("kde:"), N_("lat:"), N_("lon:"),
    N_("low:"), N_("lower fence:"), N_("max:"), N_("mean:"), N_("median:"), N_("min:"), N_("new text"), N_("open:"),
    N_("outgoing flow count:"), N_("q1:"), N_("q3:"), N_("source:"), N_("target:"), N_("trace"), N_("upper fence:"),
    N_("Click to enter Plot subtitle"), N_("Image download succeeded"), N_("JSON download succeeded"),
    N_("Preparing image - this may take a few seconds"), N_("Sorry, there was a problem downloading your JSON file!"),
    N_("Sorry, there was a problem downloading your image!"), N_("Share chart..."), N_("Share chart"), N_("Share"),
    N_("Cancel"),
]


def locale_module(language: str) -> dict:
    """One plotly.js locale module: {moduleType, name, dictionary, format}."""
    with force_locale(language):
        dictionary = {text: gettext(text) for text in PLOTLY_TEXTS}
    loc = Locale.parse(language)
    # stand-alone forms: an axis label says "maaliskuu 2026", not the partitive "maaliskuuta"
    days = loc.days["stand-alone"]["wide"]
    short_days = loc.days["stand-alone"]["abbreviated"]
    months = loc.months["stand-alone"]["wide"]
    short_months = loc.months["stand-alone"]["abbreviated"]
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # Babel counts from Monday, plotly (d3) from Sunday
    return {
        "moduleType": "locale", "name": language, "dictionary": dictionary,
        "format": {
            "days": [days[i] for i in sunday_first], "shortDays": [short_days[i] for i in sunday_first],
            "months": [months[i] for i in range(1, 13)], "shortMonths": [short_months[i] for i in range(1, 13)],
            "decimal": loc.number_symbols["latn"]["decimal"], "thousands": loc.number_symbols["latn"]["group"],
        },
    }


@lru_cache(maxsize=1)
def script() -> tuple[str, str]:
    """(the JavaScript registering every non-English locale, its fingerprint). Computed once per process."""
    modules = [locale_module(lang) for lang in LANGUAGES if lang != DEFAULT_LANGUAGE]
    body = ("/* plotly.js locales of the portal, from its gettext catalogues and Babel (generated). */\n"
            "(function () {\n  var modules = " + json.dumps(modules, ensure_ascii=False, sort_keys=True) + ";\n"
            "  if (window.Plotly && window.Plotly.register) { window.Plotly.register(modules); return; }\n"
            "  window.PlotlyLocales = (window.PlotlyLocales || []).concat(modules);\n})();\n")
    return body, hashlib.sha256(body.encode()).hexdigest()[:16]


def script_url() -> str:
    return f"{URL}?v={script()[1]}"


def graph_config(base: dict | None = None, **extra) -> dict:
    """A `dcc.Graph` config in the visitor's language (plotly.js texts, day and month names)."""
    # plotly.js 4 shows a button that uploads the chart to Plotly's cloud unless told not to: the portal's charts
    # stay on the portal (as in the embeds)
    return {"displaylogo": False, **(base or {}), **extra, "showSendToCloud": False, "locale": current_language()}
