"""Embeds and exports of the portal's charts: plain Flask routes around the same figure functions as the pages.

- `/embed/<kind>?<state>`: just that figure, its citation and a link to the page, on a light page that
  loads plotly.js from the portal (no CDN) and nothing else; cacheable (ETag, Cache-Control). Framing is
  allowed for the sites of `PORTAL_EMBED_ORIGINS` only (the security guard adds `frame-ancestors`).
- `/embed/frozen/<id>`: a frozen chart, as it was published, saying so.
- `/charts/<kind>.png|svg|csv|json?<state>` and `/charts/frozen/<id>.<format>`: the image (kaleido), the data
  behind the chart, the figure.
- `/vendor/plotly-<hash>.min.js`, `/vendor/embed-<hash>.js|css`: named by their content, cached for a year.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import plotly
from flask import Blueprint, Response, abort, request, send_file
from markupsafe import escape

from portal import plotly_locale, ratelimit
from portal.db import get_session
from portal.embeds import export, frozen
from portal.embeds.kinds import Chart, ChartNotFound, build, column_label
from portal.i18n import _, current_language
from portal.security import route

bp = Blueprint("embeds", __name__)
STATIC = Path(__file__).parent / "static"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
YEAR = 365 * 86400
EMBED_POLICY = "; ".join([
    "default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",  # plotly.js injects <style>
    "img-src 'self' data: blob:", "font-src 'self' data:", "connect-src 'none'", "base-uri 'none'",
    "form-action 'none'",
])
CONFIG = {"displaylogo": False, "showSendToCloud": False, "responsive": True, "displayModeBar": "hover",
          "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines", "sendDataToCloud"]}


@lru_cache(maxsize=8)
def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def vendor_url(name: str) -> str:
    """The content-addressed URL of plotly.js or the embed page's script and style."""
    if name == "plotly":
        return f"/vendor/plotly-{_digest(str(PLOTLY_JS))}.min.js"
    suffix = "js" if name == "embed.js" else "css"
    return f"/vendor/embed-{_digest(str(STATIC / name))}.{suffix}"


def _immutable(path: Path, mimetype: str) -> Response:
    response = send_file(path, mimetype=mimetype, max_age=YEAR, conditional=True, etag=True)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


@bp.get("/vendor/plotly-<digest>.min.js")
@route("public")
def plotly_js(digest: str):
    """plotly.js as the plotly package ships it, served by the portal itself (embeds use no CDN)."""
    if digest != _digest(str(PLOTLY_JS)):
        abort(404)
    return _immutable(PLOTLY_JS, "text/javascript")


@bp.get("/vendor/embed-<digest>.<any(js, css):ext>")
@route("public")
def embed_static(digest: str, ext: str):
    path = STATIC / f"embed.{ext}"
    if digest != _digest(str(path)):
        abort(404)
    return _immutable(path, "text/javascript" if ext == "js" else "text/css")


def _json_for_html(data) -> str:
    """JSON that cannot end the <script> element it sits in."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def embed_figure(figure: dict) -> dict:
    """The figure for a frame of any size: autosized to the frame, no fixed height."""
    layout = dict(figure.get("layout") or {})
    layout.pop("height", None)
    layout.pop("width", None)
    layout["autosize"] = True
    return {"data": figure.get("data") or [], "layout": layout, "config": {**CONFIG, "locale": current_language()}}


def data_table_html(chart: Chart, limit: int = 200) -> str:
    """The chart's data as a table in a native disclosure ("Show as table"): its text alternative in the embed."""
    frame = chart.data
    if frame is None or frame.empty:
        return ""
    shown = frame.head(limit)
    head = "".join(f'<th scope="col">{escape(column_label(c))}</th>' for c in shown.columns)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
                   for row in shown.itertuples(index=False))
    return (f'<details class="pb-table" id="chart-table"><summary>{escape(_("Show as table"))}</summary>'
            f'<div class="pb-scroll" tabindex="0" role="region" aria-label="{escape(chart.title)}">'
            f"<table><caption>{escape(chart.summary)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></div></details>")


def embed_page(chart: Chart, *, note: str = "", live_url: str = "") -> str:
    """The HTML of an embed: one figure, its text alternative, the citation line and a link to the portal."""
    permalink = request.host_url.rstrip("/") + chart.page_url
    cite = chart.citation.line(chart.title, permalink)
    frozen_note = f'<p class="pb-frozen" id="chart-frozen">{escape(note)}'
    if live_url:
        frozen_note += f' <a href="{escape(live_url)}" target="_blank" rel="noopener">{escape(_("See it now"))}</a>'
    frozen_note += "</p>" if note else ""
    return "\n".join([
        "<!doctype html>",
        f'<html lang="{escape(current_language())}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(chart.title)}</title>",
        f'<link rel="stylesheet" href="{vendor_url("embed.css")}">',
        "</head>",
        "<body>",
        '<figure class="pb-embed">',
        f'<div id="chart" class="pb-chart" role="figure" aria-label="{escape(chart.title)}" '
        'aria-describedby="chart-summary"></div>',
        '<figcaption class="pb-caption">',
        f'<p id="chart-summary" class="pb-hidden">{escape(chart.summary)}</p>',
        data_table_html(chart),
        frozen_note if note else "",
        f'<p class="pb-cite" id="chart-citation">{escape(cite)} '
        f'<a href="{escape(permalink)}" target="_blank" rel="noopener">{escape(_("Open in the portal"))}</a></p>',
        "</figcaption>",
        "</figure>",
        f'<script id="chart-data" type="application/json">{_json_for_html(embed_figure(chart.figure))}</script>',
        f'<script src="{escape(plotly_locale.script_url())}"></script>',
        f'<script src="{vendor_url("plotly")}"></script>',
        f'<script src="{vendor_url("embed.js")}"></script>',
        "</body>",
        "</html>",
    ])


def _cacheable(response: Response, max_age: int = 300) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.add_etag()
    return response.make_conditional(request)


def _chart(kind: str) -> Chart:
    try:
        return build(kind, request.args.to_dict(flat=True))
    except ChartNotFound as exc:
        abort(Response(str(exc) or _("Not found"), status=404, mimetype="text/plain"))


def _embed_response(html: str) -> Response:
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EMBED_POLICY  # the guard adds frame-ancestors
    return _cacheable(response)


@bp.get("/embed/<kind>")
@route("public")
def embed(kind: str):
    """Just the chart, for an iframe on a journalist's page (only the configured sites may frame it)."""
    return _embed_response(embed_page(_chart(kind)))


@bp.get("/embed/frozen/<int:frozen_id>")
@route("public")
def embed_frozen(frozen_id: int):
    row = frozen.get(get_session(), frozen_id)
    if row is None:
        abort(404)
    chart = frozen.as_chart(row)
    live = f"/embed/{row.kind}" + (f"?{row.query}" if row.query else "")
    return _embed_response(embed_page(chart, note=frozen.note(row), live_url=live))


def _export(chart: Chart, fmt: str, name: str, note: str = "") -> Response:
    if fmt == "csv":
        response = Response("\ufeff" + chart.data.to_csv(index=False, lineterminator="\n"),
                            mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return _cacheable(response)
    if fmt == "json":
        body = {"title": chart.title, "summary": chart.summary, "citation": chart.citation.as_dict(),
                "page": chart.page_url, "figure": embed_figure(chart.figure)}
        return _cacheable(Response(json.dumps(body, ensure_ascii=False, default=str), mimetype="application/json"))
    try:
        width, height, scale = export.size(request.args)
    except ValueError as exc:
        return Response(str(exc), status=400, mimetype="text/plain")
    try:
        ratelimit.hit("image")
    except ratelimit.RateLimited as exc:
        response = Response(_("Too many images requested; please try again in {seconds} s.").format(
            seconds=exc.retry_after), status=429, mimetype="text/plain")
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    caption = " ".join(x for x in (note, chart.citation.line(chart.title)) if x)
    try:
        image = export.render(export.printable(chart.figure, chart.title, caption), fmt, width, height, scale)
    except export.ExportUnavailable as exc:
        return Response(_("Images cannot be made on this server right now ({reason}).").format(reason=exc),
                        status=503, mimetype="text/plain")
    response = Response(image, mimetype=export.FORMATS[fmt])
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return _cacheable(response)


@bp.get("/charts/<kind>.<any(png, svg, csv, json):fmt>")
@route("public")
def chart_export(kind: str, fmt: str):
    """The chart as a PNG or SVG image (`width`, `height` in CSS pixels, `scale`), the CSV of its data, or its
    figure as JSON."""
    return _export(_chart(kind), fmt, kind)


@bp.get("/charts/frozen/<int:frozen_id>.<any(png, svg, csv, json):fmt>")
@route("public")
def frozen_export(frozen_id: int, fmt: str):
    row = frozen.get(get_session(), frozen_id)
    if row is None:
        abort(404)
    return _export(frozen.as_chart(row), fmt, f"frozen-{row.id}", frozen.note(row))
