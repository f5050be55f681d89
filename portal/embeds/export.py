"""Static images of charts (PNG, SVG) with kaleido, from the same figure the page and the embed draw.

Kaleido drives a headless Chromium (Debian's, found on PATH). Starting one per image costs seconds, so
the first export of a process starts kaleido's sync server once (MathJax off: it would come from a CDN)
and later images take a fraction of a second. Kaleido's sync server answers requests through one queue
and does not tell callers apart, so exports in one process run one at a time (a lock): a result cannot
reach the wrong request. A few recent images are kept in memory (a chart embedded in an article is asked
for again and again).
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import threading
from collections import OrderedDict

from portal.i18n import _

log = logging.getLogger(__name__)

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
WIDTH = (200, 4000, 1000)  # min, max, default (CSS pixels)
HEIGHT = (150, 4000, 560)
SCALE = (0.5, 4.0, 1.0)
_LOCK = threading.Lock()
_STARTED = {"server": False}
_MEMO: OrderedDict[str, bytes] = OrderedDict()
MEMO_SIZE = 48


class ExportUnavailable(RuntimeError):
    """Kaleido or Chromium is missing or failed: images cannot be made on this server."""


def size(args: dict) -> tuple[int, int, float]:
    """(width, height, scale) from query arguments, within bounds; ValueError with a message otherwise."""

    def number(name: str, bounds: tuple, cast):
        raw = args.get(name)
        if raw in (None, ""):
            return bounds[2]
        try:
            value = cast(raw)
        except (TypeError, ValueError):
            raise ValueError(_("{name} must be a number").format(name=name)) from None
        if not bounds[0] <= value <= bounds[1]:
            raise ValueError(_("{name} must be between {low} and {high}").format(name=name, low=bounds[0],
                                                                               high=bounds[1]))
        return value

    return number("width", WIDTH, int), number("height", HEIGHT, int), number("scale", SCALE, float)


def printable(figure: dict, title: str, caption: str = "") -> dict:
    """The figure as an image wants it: white paper, a title, the citation line under the plot."""
    fig = copy.deepcopy(figure)
    layout = fig.setdefault("layout", {})
    layout["paper_bgcolor"] = "#ffffff"
    layout.pop("height", None)
    layout.pop("width", None)
    if not layout.get("title"):
        layout["title"] = {"text": title, "x": 0, "font": {"size": 15}}
    margin = dict(layout.get("margin") or {})
    margin["t"] = max(int(margin.get("t", 0) or 0), 44)
    if caption:
        margin["b"] = max(int(margin.get("b", 0) or 0), 46)
        annotations = list(layout.get("annotations") or [])
        annotations.append({"text": caption, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0,
                            "y": 0, "yshift": -margin["b"] + 6, "xanchor": "left", "yanchor": "bottom",
                            "font": {"size": 10, "color": "#495057"}, "align": "left"})
        layout["annotations"] = annotations
    layout["margin"] = margin
    return fig


def render(figure: dict, fmt: str, width: int, height: int, scale: float = 1.0) -> bytes:
    """PNG or SVG bytes of a figure (plotly JSON)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt}")
    key = hashlib.sha256(json.dumps([figure, fmt, width, height, scale], sort_keys=True, default=str)
                         .encode()).hexdigest()
    with _LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]
        try:
            import kaleido

            if not _STARTED["server"]:
                kaleido.start_sync_server(mathjax=False, silence_warnings=True)
                _STARTED["server"] = True
            data = kaleido.calc_fig_sync(figure, opts={"format": fmt, "width": width, "height": height,
                                                       "scale": scale})
        except Exception as exc:  # noqa: BLE001 - kaleido raises many kinds; the route answers 503 with the reason
            log.exception("image export failed")
            raise ExportUnavailable(f"{exc.__class__.__name__}: {exc}") from exc
        if isinstance(data, str):
            data = data.encode("utf-8")
        _MEMO[key] = data
        while len(_MEMO) > MEMO_SIZE:
            _MEMO.popitem(last=False)
        return data
