"""Configuration: safe defaults for a developer, refusal of unsafe production settings."""

import pytest

from portal.config import Config, ConfigError


def test_development_generates_and_keeps_a_secret(tmp_path, caplog):
    first = Config.from_env({"PORTAL_INSTANCE_PATH": str(tmp_path)}).finalise()
    assert len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").read_text().strip() == first.secret_key
    assert "SECRET_KEY is not set" in caplog.text
    second = Config.from_env({"PORTAL_INSTANCE_PATH": str(tmp_path)}).finalise()
    assert second.secret_key == first.secret_key


def test_default_database_is_a_sqlite_file_under_instance(tmp_path):
    cfg = Config.from_env({"PORTAL_INSTANCE_PATH": str(tmp_path)}).finalise()
    assert cfg.database_url == f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    assert cfg.auto_setup and cfg.seed_demo and not cfg.production


@pytest.mark.parametrize("secret", ["", "dev", "changeme", "short-but-not-weak"])
def test_production_refuses_a_missing_or_weak_secret(tmp_path, secret):
    env = {"PORTAL_ENV": "production", "SECRET_KEY": secret, "DATABASE_URL": "postgresql+psycopg://x/y",
           "PORTAL_INSTANCE_PATH": str(tmp_path)}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config.from_env(env).finalise()


def test_production_needs_a_database_url(tmp_path):
    env = {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 48, "PORTAL_INSTANCE_PATH": str(tmp_path)}
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Config.from_env(env).finalise()


def test_production_settings_are_strict(tmp_path):
    env = {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 48, "DATABASE_URL": "postgresql+psycopg://x/y",
           "REDIS_URL": "redis://127.0.0.1:6379/0", "PORTAL_INSTANCE_PATH": str(tmp_path)}
    cfg = Config.from_env(env).finalise()
    assert cfg.production and not cfg.auto_setup and not cfg.seed_demo
    assert cfg.redis_url == "redis://127.0.0.1:6379/0"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("origins", [
    "https://news.example.org; script-src *",  # a second directive smuggled into the CSP
    "https://news.example.org 'unsafe-inline'",
    "javascript:alert(1)",
    "https://news.example.org/path",
    "news.example.org",
])
def test_embed_origins_that_are_not_origins_are_refused(tmp_path, origins):
    cfg = Config.from_env({"PORTAL_EMBED_ORIGINS": origins, "PORTAL_INSTANCE_PATH": str(tmp_path)})
    with pytest.raises(ConfigError, match="PORTAL_EMBED_ORIGINS"):
        cfg.finalise()


def test_embed_origins_accepts_sites_wildcards_and_any(tmp_path):
    env = {"PORTAL_EMBED_ORIGINS": "https://news.example.org, http://localhost:8080,https://*.rai.it,*",
           "PORTAL_INSTANCE_PATH": str(tmp_path)}
    cfg = Config.from_env(env).finalise()
    assert cfg.embed_allowed_origins == ["https://news.example.org", "http://localhost:8080", "https://*.rai.it", "*"]
