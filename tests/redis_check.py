"""Redis for the tests of several processes: skip (or fail under CI=true) when it does not answer."""

from __future__ import annotations


def redis_or_skip(url: str) -> None:
    import redis

    from tests.conftest import missing_service

    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as exc:
        missing_service("Redis", f"cannot reach {url}: {exc}")
