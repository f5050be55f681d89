"""The public data API (`/api/v1/...`) and its OpenAPI document (`/api/openapi.json`).

Read-only and public: every route is declared `public` and answers GET only; the data is what the pages
show to anyone (no drafts, no results before publication, no personal data). Anyone may call it from any
site (CORS `*`, no cookies needed), in JSON or CSV.
"""

from __future__ import annotations

from flask import Blueprint, request

from portal.api import common, openapi
from portal.api.v1 import bp as v1
from portal.security import route

bp = Blueprint("api", __name__)
bp.register_blueprint(v1)


@bp.get("/api/openapi.json")
@route("public")
def openapi_document():
    """The OpenAPI 3 document of the API (its server is this portal)."""
    return common.json_response(openapi.document(request.host_url.rstrip("/") + "/"))


@bp.get("/api/<path:rest>")
@route("public")
def unknown(rest: str):
    """Anything else under /api/ is a JSON 404 (not the portal's page shell)."""
    return common.error_response(common.not_found(f"no such API route: /api/{rest}"))


@bp.after_app_request
def _api_headers(response):
    if request.path.startswith("/api/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers.setdefault("Cache-Control", "public, max-age=60")
        if request.method == "GET" and response.status_code == 200:
            response.add_etag()
            response.make_conditional(request)
    return response
