"""The portal application: `create_app(config)` builds the Flask server and the Dash app on it."""

from __future__ import annotations

import logging
from pathlib import Path

from dash import Dash
from flask import Flask, Response, abort, jsonify, redirect, request
from sqlalchemy import select

from portal import auth, i18n, security
from portal.city import load_city
from portal.config import ROOT, Config
from portal.db import Database, close_session, get_session, retry_read
from portal.security import route

log = logging.getLogger(__name__)
PAGES = ROOT / "pages"
ASSETS = ROOT / "assets"

__all__ = ["create_app", "Config"]


def create_app(config: Config | None = None) -> Dash:
    """Build the portal: Flask server, database, accounts, security guard and the Dash pages."""
    cfg = (config or Config.from_env()).finalise()
    logging.basicConfig(level=cfg.log_level)
    city = load_city(cfg.city)

    server = Flask("portal", root_path=str(Path(__file__).parent), instance_path=str(cfg.instance_path),
                   static_folder=None)
    server.config.update(
        SECRET_KEY=cfg.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cfg.production,
        SESSION_COOKIE_NAME="portal_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=cfg.production,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=cfg.production,
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        TESTING=cfg.testing,
        PORTAL=cfg,
        CITY=city,
    )

    db = Database(cfg.database_url)
    server.extensions["portal_db"] = db
    server.teardown_appcontext(close_session)
    if cfg.auto_setup:
        from portal import seed
        from portal.migrate import upgrade

        upgrade(db)
        if cfg.seed_demo:
            seed.seed_if_empty(db, city)

    i18n.init_app(server)
    from portal import ratelimit, serving
    from portal.background import make_manager

    serving.init_app(server, cfg)
    ratelimit.init_app(server, cfg)
    auth.init_app(server)
    _register_routes(server)
    from portal import participation

    participation.init_app(server)

    app = Dash(
        "app",
        server=server,
        use_pages=True,
        pages_folder=str(PAGES),
        assets_folder=str(ASSETS),
        external_stylesheets=[f"/vendor/bootstrap.min.css?v={_bootstrap_fingerprint()}"],
        external_scripts=[_plotly_locales_url(server)],
        title=f"{city.name} · Open budget",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        compress=False,  # portal.serving compresses every response (Brotli or gzip), Dash's included
        background_callback_manager=make_manager(server, cfg),
        enable_mcp=False,  # Dash 4's MCP server would expose every callback to an AI agent: stay closed
        websocket_callbacks=False,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app._portal_city_name = city.name
    _index_with_language(app)
    dash_hooks = list(server.before_request_funcs.get(None, []))  # Dash's set-up and page router
    app.layout = _layout_factory(city)
    from portal.embeds.component import register as register_share_control
    from portal.ui import register_clientside

    register_clientside(app)
    register_share_control()
    security.install(server, app, production=cfg.production, embed_origins=cfg.embed_allowed_origins)
    from portal.cli import register_commands

    register_commands(server)
    with server.test_request_context("/"):
        # Run Dash's first-request set-up now: it takes the page callbacks from dash's global list,
        # so several apps can live in one process (tests), and the callback map is complete.
        for hook in dash_hooks:
            hook()
    return app


def _index_with_language(app) -> None:
    """Every page's `<html>` names the language it is shown in (screen readers pick their voice from it)."""
    from markupsafe import escape

    interpolate = app.interpolate_index

    def interpolate_index(**kwargs):
        if kwargs.get("title") == app.title:  # the shell's own title, before the page names itself
            city = getattr(app, "_portal_city_name", "")
            kwargs["title"] = f"{escape(city)} · {escape(i18n._('Open budget'))}" if city else app.title
        html = interpolate(**kwargs)
        return html.replace("<html>", f'<html lang="{escape(i18n.current_language())}">', 1)

    app.interpolate_index = interpolate_index


def _bootstrap_css() -> Path:
    import flask_bootstrap

    return Path(flask_bootstrap.__file__).parent / "static/bootstrap5/css/bootstrap.min.css"


def _bootstrap_fingerprint() -> str:
    from portal.serving import file_fingerprint

    return file_fingerprint(_bootstrap_css())


def _plotly_locales_url(server: Flask) -> str:
    from portal.plotly_locale import script_url

    with server.app_context():
        return script_url()


def _layout_factory(city):
    from portal.ui import shell

    def layout():
        return shell(city, is_demo_data=_has_demo_cycle())

    return layout


def _has_demo_cycle() -> bool:
    from portal.models import Cycle

    try:
        session = get_session()
        return retry_read(session, lambda: session.scalar(
            select(Cycle.id).where(Cycle.is_demo.is_(True)).limit(1))) is not None
    except Exception:  # noqa: BLE001 - the shell must render even before the database is migrated
        log.exception("could not check for a demo cycle")
        return False


def _register_routes(server: Flask) -> None:
    from portal.api import bp as api
    from portal.budget.web import bp as budget_downloads
    from portal.datasets.web import bp as data_downloads
    from portal.embeds.web import bp as embeds

    server.register_blueprint(budget_downloads)
    server.register_blueprint(data_downloads)
    server.register_blueprint(embeds)
    server.register_blueprint(api)

    bootstrap_css = _bootstrap_css()

    bootstrap_bytes = bootstrap_css.read_bytes()

    @server.get("/vendor/bootstrap.min.css")
    @route("public")
    def vendor_bootstrap():
        """Served from memory (so it is compressed once); cached for a year under its fingerprinted address."""
        response = Response(bootstrap_bytes, mimetype="text/css")
        response.cache_control.public = True
        response.cache_control.max_age = 86400
        return response

    @server.get("/lang/<code>")
    @route("public")
    def set_language(code: str):
        if code not in i18n.LANGUAGES:
            abort(404)
        target = auth.safe_next(request.args.get("next"))
        response = redirect(target, code=303)
        response.set_cookie(i18n.LANG_COOKIE, code, max_age=365 * 86400, samesite="Lax", httponly=True)
        from flask_login import current_user

        if current_user.is_authenticated and current_user.language != code:
            current_user.language = code
            get_session().commit()
        return response

    @server.get("/vendor/plotly-locales.js")
    @route("public")
    def plotly_locales():
        """plotly.js's own texts in the portal's languages; cached for a year under its fingerprinted address."""
        from portal.plotly_locale import script

        response = Response(script()[0], mimetype="text/javascript")
        response.cache_control.public = True
        response.cache_control.max_age = 365 * 86400
        return response

    @server.get("/healthz")
    @route("public")
    def healthz():
        from sqlalchemy import text

        session = get_session()
        retry_read(session, lambda: session.execute(text("SELECT 1")))
        return jsonify(status="ok")


