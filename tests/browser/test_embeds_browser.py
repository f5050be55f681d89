"""In real headless Chromium: a journalist's page on another origin frames an embed and sees the chart; a site
not in the list, or any site framing the vote page, gets nothing; the PNG behind the Share / Embed control is a
real PNG of the size asked for; the explorer's participatory-only view shows the funded projects."""

import re
import socket
import struct
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import LiveServer, make_config

pytestmark = pytest.mark.browser


class Article(BaseHTTPRequestHandler):
    """A newspaper's page: an article with the iframe given in ?src=."""

    def do_GET(self):  # noqa: N802 - the name http.server calls
        src = parse_qs(urlsplit(self.path).query).get("src", [""])[0]
        body = (f'<!doctype html><html><head><title>Article</title></head><body><h1>Our city\'s money</h1>'
                f'<iframe id="chart" src="{src}" width="900" height="500" title="chart"></iframe></body></html>')
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The portal (allowing http://127.0.0.1:<port> to frame its embeds) and the newspaper's site on that port;
    the same site reached as http://localhost:<port> is another origin, not in the list."""
    from portal import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    news = ThreadingHTTPServer(("127.0.0.1", port), Article)
    thread = threading.Thread(target=news.serve_forever, daemon=True)
    thread.start()
    path = tmp_path_factory.mktemp("embeds")
    app = create_app(make_config(f"sqlite:///{path / 'portal.sqlite3'}", path, seed_demo=True,
                                 embed_allowed_origins=[f"http://127.0.0.1:{port}"]))
    with LiveServer(app.server) as portal:
        yield {"portal": portal.url, "allowed": f"http://127.0.0.1:{port}", "other": f"http://localhost:{port}"}
    news.shutdown()
    thread.join(timeout=5)


def article(site: str, src: str) -> str:
    return f"{site}/?src={quote(src, safe='')}"


def framed(page):
    return next(f for f in page.frames if f != page.main_frame)


def test_an_embed_shows_its_chart_inside_a_page_of_an_allowed_site(page, sites):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(article(sites["allowed"], sites["portal"] + "/embed/budget-treemap?year=2015&path=05"))
    chart = page.frame_locator("#chart")
    expect(chart.locator("#chart[data-ready=true] .main-svg").first).to_be_visible()
    expect(chart.locator("g.slice").first).to_be_visible()
    assert chart.locator("g.slice").count() > 5
    expect(chart.locator("#chart-citation")).to_contain_text("Source: Stadt Köln")
    expect(chart.locator("#chart-citation")).to_contain_text("Soziale Hilfen")
    page.wait_for_load_state("networkidle")
    assert [u for u in requests if not u.startswith((sites["portal"], sites["allowed"], "data:"))] == []
    assert page.console_errors == [] or all("favicon" in e for e in page.console_errors)


def test_a_site_not_in_the_list_cannot_frame_the_embed(page, sites):
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto(article(sites["other"], sites["portal"] + "/embed/budget-treemap?year=2015"))
    page.wait_for_load_state("networkidle")
    frame = framed(page)
    assert frame.url.startswith("chrome-error://") or frame.locator("#chart").count() == 0
    assert any("frame-ancestors" in m for m in messages), messages


def test_the_vote_page_refuses_to_be_framed_even_by_an_allowed_site(page, sites):
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto(article(sites["allowed"], sites["portal"] + "/vote/2"))
    page.wait_for_load_state("networkidle")
    frame = framed(page)
    assert frame.url.startswith("chrome-error://") or frame.locator("#main").count() == 0
    assert any("frame-ancestors" in m or "X-Frame-Options" in m for m in messages), messages
    # the same page opened directly works: the refusal is about framing only
    page.goto(sites["portal"] + "/vote/2")
    expect(page.locator("#main")).to_be_visible()


def test_the_png_behind_the_share_control_is_a_real_png_of_the_size_asked_for(page, sites):
    page.goto(sites["portal"] + "/budget?year=2015")
    expect(page.locator("#budget-total")).to_be_visible()
    page.locator("#share-budget-treemap .share-toggle").click()
    link = page.locator("#share-budget-treemap-png")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href.startswith("/charts/budget-treemap.png?") and "year=2015" in href
    png = page.request.get(sites["portal"] + href + "&width=800&height=450")
    assert png.status == 200 and png.headers["content-type"] == "image/png"
    body = png.body()
    assert body[:8] == b"\x89PNG\r\n\x1a\n" and body[12:16] == b"IHDR"
    assert struct.unpack(">II", body[16:24]) == (800, 450)
    expect(page.locator("#share-budget-treemap-link")).to_have_value(re.compile(r"/budget\?year=2015"))
    expect(page.locator("#share-budget-treemap-citation")).to_contain_text("Data version: budget import")


def test_the_participatory_only_view_shows_the_funded_projects_on_the_map(page, sites):
    page.goto(sites["portal"] + "/budget?year=2015")
    expect(page.locator("#budget-total")).to_be_visible()
    page.locator("label[for=budget-participatory]").click()
    expect(page).to_have_url(re.compile(r"pb=1"))
    expect(page).to_have_url(re.compile(rf"year={date.today().year}"))  # the year the demo's projects enter
    expect(page.locator("#budget-headline")).to_contain_text(str(date.today().year))
    expect(page.locator("#budget-treemap g.slice").first).to_be_visible()
    # the demo's eight funded projects have a place: eight dots on the map
    dots = page.locator("#budget-map .scatterlayer .trace").last.locator(".point")
    expect(dots).to_have_count(8)
    assert page.console_errors == []
