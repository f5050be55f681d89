"""Rate limits against guessing (log-in, registration, voting codes) and ballot floods, shared by every app server.

Flask-Limiter keeps the counters in Redis when `REDIS_URL` is set (so two servers count together), in memory
otherwise. The limits are configurable (`PORTAL_RATELIMIT_*`) and keyed so that a city's peak is not throttled:
log-in, registration and code redemption per client IP (behind `PORTAL_PROXY_COUNT` trusted proxies, the
address they forward), ballots per voter (account or voting code), never per IP.
"""

from __future__ import annotations

import functools
import logging

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import parse_many

log = logging.getLogger(__name__)

LIMITS = {  # name -> Config attribute holding its limit string
    "login": "ratelimit_login",
    "register": "ratelimit_register",
    "code": "ratelimit_code",
    "ballot": "ratelimit_ballot",
    "image": "ratelimit_image",
}


class RateLimited(Exception):
    """Too many attempts; `retry_after` seconds until the next one may go through."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many attempts, retry in {retry_after} s")
        self.retry_after = retry_after


def client_ip() -> str:
    return request.remote_addr or "unknown"


def init_app(server: Flask, cfg) -> Limiter:
    storage = cfg.redis_url or "memory://"
    # fixed windows: one INCR per attempt (the moving window's script cost 2 ms of CPU a ballot)
    limiter = Limiter(client_ip, storage_uri=storage, strategy="fixed-window", enabled=cfg.ratelimit_enabled,
                      headers_enabled=False, key_prefix=cfg.redis_prefix, swallow_errors=True)
    limiter.init_app(server)
    # no limit is declared on routes: the limits are hit by name where the attempt happens (`hit`), so the
    # per-request check Flask-Limiter would run everywhere is skipped (it cost about 1.5 ms a request)
    limiter.request_filter(lambda: True)
    server.extensions["portal_limiter"] = limiter
    return limiter


def hit(name: str, key: str | None = None) -> None:
    """Count one attempt of `name` for `key` (default: the client IP); raise RateLimited past the limit.

    When the counter store is down (Redis restarting), the attempt goes through: a limit must not take
    the portal down with it.
    """
    limiter: Limiter | None = current_app.extensions.get("portal_limiter")
    cfg = current_app.config["PORTAL"]
    if limiter is None or not limiter.enabled:
        return
    key = key or client_ip()
    items = _parsed(getattr(cfg, LIMITS[name]))
    try:
        for item in items:
            if not limiter.limiter.hit(item, cfg.redis_prefix, name, key):
                stats = limiter.limiter.get_window_stats(item, cfg.redis_prefix, name, key)
                raise RateLimited(max(1, int(stats.reset_time - _now())))
    except RateLimited:
        raise
    except Exception:  # noqa: BLE001 - the counter store is unreachable: let the attempt through, say so
        log.warning("rate-limit store unavailable for %s", name, exc_info=True)


@functools.lru_cache(maxsize=32)
def _parsed(value: str) -> list:
    return parse_many(value)


def _now() -> float:
    import time

    return time.time()
