"""Serving many people on slow connections from several machines: compression, asset caching, shared cache.

- Responses (HTML, JSON of callbacks and layouts, scripts, styles, CSV) are compressed with Brotli or gzip.
- Assets whose address carries a fingerprint (Dash's `?m=` on `/assets/`, our `?v=` on `/vendor/`, Dash's
  fingerprinted component bundles) are cached for a year by the browser: a repeat visit does not ask for them.
- Flask-Caching keeps shared values in Redis when `REDIS_URL` is set (memory otherwise).
- Behind `PORTAL_PROXY_COUNT` reverse proxies, the client's address and scheme are the ones they forward.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_caching import Cache
from flask_compress import Compress

cache = Cache()
compress = Compress()
YEAR = 31_536_000

COMPRESS_TYPES = [
    "text/html", "text/css", "text/plain", "text/csv", "text/javascript", "application/javascript",
    "application/json", "application/geo+json", "image/svg+xml",
]


def init_app(server: Flask, cfg) -> None:
    server.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_MIMETYPES=COMPRESS_TYPES,
        COMPRESS_MIN_SIZE=600,
        COMPRESS_BR_LEVEL=5,  # a good ratio at a small CPU cost per response; static files are cached below
        COMPRESS_LEVEL=6,
        COMPRESS_CACHE_BACKEND=FingerprintCache,  # a fingerprinted file is compressed once per process
        COMPRESS_CACHE_KEY=_compress_cache_key,
        COMPRESS_STREAMS=True,  # files sent from disk (Dash's /assets/) too
    )
    compress.init_app(server)
    server.session_interface = PortalSessionInterface()
    if cfg.redis_url:
        server.config.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=cfg.redis_url,
                             CACHE_KEY_PREFIX=f"{cfg.redis_prefix}:", CACHE_DEFAULT_TIMEOUT=300)
    else:
        server.config.update(CACHE_TYPE="SimpleCache", CACHE_DEFAULT_TIMEOUT=300)
    cache.init_app(server)
    if cfg.proxy_count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=cfg.proxy_count, x_proto=cfg.proxy_count,
                                   x_host=cfg.proxy_count)

    @server.after_request
    def _long_cache_for_fingerprinted_assets(response):
        if response.status_code == 200 and request.method == "GET" and _fingerprinted(request):
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response


class PortalSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions (nothing kept on the server: any app server reads them), except that files the same
    for everybody get neither a cookie nor `Vary: Cookie` (which would stop browsers from reusing them)."""

    def save_session(self, app, session, response) -> None:
        from portal.security import STATIC_PREFIXES

        if request.path.startswith(STATIC_PREFIXES):
            return
        super().save_session(app, session, response)


class FingerprintCache:
    """Compressed bodies of fingerprinted files (their content never changes under one address); other
    responses (keys without a fingerprint) are never cached."""

    def __init__(self, limit: int = 64):
        self.limit = limit
        self.data: dict[str, bytes] = {}
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        if key.endswith(";"):
            return None
        with self.lock:
            return self.data.get(key)

    def set(self, key: str, value: bytes) -> None:
        if key.endswith(";"):
            return
        with self.lock:
            if len(self.data) >= self.limit:
                self.data.pop(next(iter(self.data)))
            self.data[key] = value


def _compress_cache_key(req) -> str:
    return req.full_path if req.method == "GET" and _fingerprinted(req) else ""


def _fingerprinted(req) -> bool:
    path = req.path
    if path.startswith("/assets/") and req.args.get("m"):
        return True
    if path.startswith(("/vendor/", "/_favicon.ico")) and req.args.get("v"):
        return True
    return path.startswith("/_dash-component-suites/") and ".v" in path.rsplit("/", 1)[-1]


def file_fingerprint(path: Path) -> str:
    """A short content hash for an asset's address (`?v=`): a new file gets a new address."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
