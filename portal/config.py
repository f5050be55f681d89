"""Configuration from the environment, with safe defaults for a developer's machine."""

from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"
# a CSP source that names a site (scheme://host[:port], host may start with "*."), or "*" for any site;
# anything else (";", spaces, quotes, paths) could smuggle directives into the Content-Security-Policy
EMBED_ORIGIN = re.compile(r"\*|https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?")
WEAK_SECRETS = {"", "dev", "secret", "changeme", "change-me", "test"}


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the portal refuses to start."""


@dataclass
class Config:
    """Everything the app factory needs; build one with `Config.from_env()`."""

    database_url: str = ""
    secret_key: str = ""
    redis_url: str | None = None
    redis_prefix: str = "portal"  # keys of the cache and rate limits in Redis (several portals may share one Redis)
    production: bool = False
    instance_path: Path = DEFAULT_INSTANCE
    city: str = "koeln"
    auto_setup: bool = True  # migrate and seed an empty embedded database on start
    seed_demo: bool = True
    testing: bool = False
    debug: bool = False
    log_level: str = "INFO"
    embed_allowed_origins: list[str] = field(default_factory=list)
    # rate limits (Flask-Limiter notation, ";" between several); per client IP unless said otherwise
    ratelimit_enabled: bool = True
    ratelimit_login: str = "30/minute;300/hour"
    ratelimit_register: str = "10/minute;60/hour"
    ratelimit_code: str = "20/minute;200/hour"  # voting-code redemption
    ratelimit_ballot: str = "20/minute"  # per voter (account or code), not per IP
    ratelimit_image: str = "30/minute;300/hour"  # PNG/SVG chart renders (a headless browser each), per IP
    proxy_count: int = 0  # reverse proxies in front of the app whose X-Forwarded-For is trusted
    smtp_url: str | None = None  # smtp://user:password@host:port (STARTTLS) or smtps://...; else instance/outbox
    mail_from: str = "portal@localhost"
    background: str = "auto"  # auto (Celery on Redis when REDIS_URL is set, else diskcache), diskcache, celery
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> Config:
        env = dict(os.environ if env is None else env)
        instance_path = Path(env.get("PORTAL_INSTANCE_PATH", DEFAULT_INSTANCE))
        production = env.get("PORTAL_ENV", "development").lower() == "production"
        cfg = cls(
            database_url=env.get("DATABASE_URL", ""),
            secret_key=env.get("SECRET_KEY", ""),
            redis_url=env.get("REDIS_URL") or None,
            redis_prefix=env.get("PORTAL_REDIS_PREFIX") or cls.redis_prefix,
            production=production,
            instance_path=instance_path,
            city=env.get("PORTAL_CITY", "koeln"),
            auto_setup=_flag(env.get("PORTAL_AUTO_SETUP"), default=not production),
            seed_demo=_flag(env.get("PORTAL_SEED_DEMO"), default=not production),
            debug=_flag(env.get("PORTAL_DEBUG"), default=False),
            log_level=env.get("PORTAL_LOG_LEVEL", "INFO"),
            embed_allowed_origins=[
                o.strip() for o in env.get("PORTAL_EMBED_ORIGINS", "").split(",") if o.strip()
            ],
            ratelimit_enabled=_flag(env.get("PORTAL_RATELIMIT_ENABLED"), default=True),
            ratelimit_login=env.get("PORTAL_RATELIMIT_LOGIN") or cls.ratelimit_login,
            ratelimit_register=env.get("PORTAL_RATELIMIT_REGISTER") or cls.ratelimit_register,
            ratelimit_code=env.get("PORTAL_RATELIMIT_CODE") or cls.ratelimit_code,
            ratelimit_ballot=env.get("PORTAL_RATELIMIT_BALLOT") or cls.ratelimit_ballot,
            ratelimit_image=env.get("PORTAL_RATELIMIT_IMAGE") or cls.ratelimit_image,
            proxy_count=int(env.get("PORTAL_PROXY_COUNT") or 0),
            smtp_url=env.get("PORTAL_SMTP_URL") or None,
            mail_from=env.get("PORTAL_MAIL_FROM") or cls.mail_from,
            background=(env.get("PORTAL_BACKGROUND") or "auto").lower(),
        )
        for key, value in overrides.items():
            setattr(cfg, key, value)
        return cfg

    def finalise(self) -> Config:
        """Fill in defaults that touch the disk, and refuse unsafe production settings."""
        self.instance_path = Path(self.instance_path)
        for origin in self.embed_allowed_origins:
            if not EMBED_ORIGIN.fullmatch(origin):
                raise ConfigError(
                    f"PORTAL_EMBED_ORIGINS: {origin!r} is not a site origin. Give origins separated by commas, "
                    "like https://news.example.org or https://*.example.org, or * for any site."
                )
        if not self.database_url:
            if self.production:
                raise ConfigError("PORTAL_ENV=production needs DATABASE_URL (PostgreSQL).")
            self.instance_path.mkdir(parents=True, exist_ok=True)
            self.database_url = f"sqlite:///{self.instance_path / 'portal.sqlite3'}"
        if self.production:
            if self.secret_key.strip().lower() in WEAK_SECRETS or len(self.secret_key) < 32:
                raise ConfigError(
                    "PORTAL_ENV=production needs SECRET_KEY: a random string of at least 32 characters "
                    "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
                )
        elif not self.secret_key:
            self.secret_key = _instance_secret(self.instance_path)
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _instance_secret(instance_path: Path) -> str:
    """A random secret kept under instance/, so sessions survive a restart on a developer's machine."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    log.warning(
        "SECRET_KEY is not set: generated one and kept it in %s. Set SECRET_KEY in production.", path
    )
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
