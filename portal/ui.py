"""The shell every page shares: navigation bar, footer, refusal notices. Components only, no data access."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import dash_bootstrap_components as dbc
from dash import html, page_container
from flask import request
from flask_login import current_user

from portal.city import CityProfile
from portal.forms import csrf_input
from portal.i18n import LANGUAGES, _, current_language
from portal.security import Access, is_allowed


def nav_links() -> list:
    links = [
        (_("Home"), "/", Access.PUBLIC),
        (_("Budget"), "/budget", Access.PUBLIC),
        (_("Open data"), "/data", Access.PUBLIC),
        (_("Participate"), "/cycles", Access.PUBLIC),
        (_("My participation"), "/account", Access.CITIZEN),
        (_("Officer console"), "/officer", Access.OFFICER),
        (_("Users"), "/admin/users", Access.ADMIN),
    ]
    from dash import page_registry

    paths = {p["path"] for p in page_registry.values()}
    return [
        dbc.NavItem(dbc.NavLink(label, href=href, active="exact"))
        for label, href, access in links
        if href in paths and is_allowed(access)
    ]


def _current_page() -> str:
    """The page being shown: the shell is fetched by Dash's renderer (/_dash-layout), so its Referer names it."""
    if not request:
        return "/"
    if not request.path.startswith("/_dash"):
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return "/"
    return (referrer.path or "/") + (f"?{referrer.query}" if referrer.query else "")


def language_menu() -> dbc.DropdownMenu:
    """The language switcher; its links come back to the page shown (kept up to date in the browser as the
    visitor moves between pages, see register_clientside)."""
    here = _current_page()
    current = current_language()
    return dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem(html.Span(name, lang=code), href=f"/lang/{code}?next={quote(here, safe='/')}",
                                 external_link=True, active=code == current, id={"type": "lang-link", "code": code})
            for code, name in LANGUAGES.items()
        ],
        label=LANGUAGES.get(current, current), nav=True, in_navbar=True, align_end=True,
        id="language-menu",
    )


def account_menu() -> list:
    if getattr(current_user, "is_authenticated", False):
        return [
            dbc.NavItem(html.Span(current_user.display_name or current_user.email,
                                  className="navbar-text me-2", id="nav-user")),
            dbc.NavItem(html.Form(
                [csrf_input(), html.Button(_("Log out"), type="submit", className="btn btn-outline-light btn-sm",
                                           id="logout-button")],
                action="/auth/logout", method="POST", className="d-inline",
            )),
        ]
    return [
        dbc.NavItem(dbc.NavLink(_("Log in"), href="/login", id="nav-login")),
        dbc.NavItem(dbc.NavLink(_("Register"), href="/register", id="nav-register")),
    ]


def navbar(city: CityProfile) -> dbc.Navbar:
    return dbc.Navbar(
        dbc.Container([
            dbc.NavbarBrand([html.Span(city.name, className="fw-bold"), " · ", _("Open budget")], href="/"),
            dbc.NavbarToggler(id="navbar-toggler"),
            dbc.Collapse(
                [dbc.Nav(nav_links(), navbar=True, className="me-auto"),
                 dbc.Nav([language_menu(), *account_menu()], navbar=True, className="align-items-lg-center")],
                id="navbar-collapse", navbar=True,
            ),
        ], fluid=True),
        color="dark", dark=True, expand="lg", className="mb-3", tag="header",
    )


def footer(city: CityProfile, is_demo_data: bool) -> html.Footer:
    lines = [html.Li(line) for line in city.attribution]
    return html.Footer(
        dbc.Container([
            html.Hr(),
            html.P(_("Data sources and licences"), className="fw-semibold mb-1"),
            html.Ul(lines, className="small mb-2"),
            html.P(
                _("This portal runs on demonstration data: the participatory-budgeting cycle shown is a demo.")
                if is_demo_data else "",
                className="small text-muted",
            ),
        ], fluid=True),
        className="mt-5 pb-4", id="site-footer",
    )


def shell(city: CityProfile, is_demo_data: bool) -> html.Div:
    return html.Div([
        html.A(_("Skip to main content"), href="#main", className="visually-hidden-focusable"),
        navbar(city),
        html.Main(dbc.Container(page_container, fluid=True), id="main", tabIndex="-1"),
        footer(city, is_demo_data),
        a11y_texts(),
    ], lang=current_language())


def a11y_texts() -> html.Div:
    """Words that assets/a11y.js gives to controls Dash renders without a name (table paging, file inputs)."""
    return html.Div(id="a11y-texts", hidden=True, **{
        "data-first-page": _("First page"), "data-previous-page": _("Previous page"),
        "data-next-page": _("Next page"), "data-last-page": _("Last page"),
        "data-case": _("Match upper and lower case"), "data-upload": _("Choose a file"),
        "data-page": _("Page number"),
    })


def refusal(access: Access | str, path: str) -> html.Div:
    """What a restricted page shows instead of its content to someone without the role."""
    if not getattr(current_user, "is_authenticated", False):
        return dbc.Alert([
            html.H1(_("Please log in"), className="h4"),
            html.P(_("This page is for registered citizens.")),
            dbc.Button(_("Log in"), href=f"/login?next={quote(path)}", external_link=True, color="primary"),
        ], color="warning", id="access-refused")
    return dbc.Alert([
        html.H1(_("No access"), className="h4"),
        html.P(_("Your account does not have the role this page needs.")),
    ], color="danger", id="access-refused")


def page_title(text: str) -> html.H1:
    return html.H1(text, className="h2 mb-3")


def register_clientside(app) -> None:
    """Browser-only behaviour of the shell (no server round trip, so no access rule needed)."""
    from dash import ALL, Input, Output, State

    app.clientside_callback(
        """function(pathname, search, hrefs) {
            var next = encodeURIComponent((pathname || "/") + (search || ""));
            return (hrefs || []).map(function (href) { return href.split("?")[0] + "?next=" + next; });
        }""",
        Output({"type": "lang-link", "code": ALL}, "href"),
        Input("_pages_location", "pathname"),
        Input("_pages_location", "search"),
        State({"type": "lang-link", "code": ALL}, "href"),
    )
    app.clientside_callback(
        "function(n, open) { return n ? !open : open; }",
        Output("navbar-collapse", "is_open"),
        Input("navbar-toggler", "n_clicks"),
        State("navbar-collapse", "is_open"),
    )
