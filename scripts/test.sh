#!/usr/bin/env bash
# Run the whole test suite: lint, unit, integration (SQLite and PostgreSQL) and browser tests.
# Starts PostgreSQL and Redis when they are installed but not answering; installs Chromium with apt-get
# when it can. What cannot be provided is skipped LOUDLY (and fails the run with CI=true).
source "$(dirname "$0")/_env.sh" test

warn() { printf '\n\033[1;31m!!! %s\033[0m\n\n' "$*" >&2; }
can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

pg_answers() {
  "$VENV/bin/python" - <<'PY' >/dev/null 2>&1
import os, psycopg
url = os.environ.get("TEST_DATABASE_URL", "postgresql://root@127.0.0.1:5432/test").replace("+psycopg", "")
psycopg.connect(url, connect_timeout=3).close()
PY
}

ensure_postgres() {
  pg_answers && return 0
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "==> starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_answers && return 0; sleep 1; done
  elif can_apt; then
    echo "==> installing PostgreSQL with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || true
    if command -v pg_ctlcluster >/dev/null 2>&1; then
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
      su postgres -c "psql -qc \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='root') THEN CREATE ROLE root SUPERUSER LOGIN; END IF; END\\\$\\\$\"" || true
      su postgres -c "createdb -O root test" 2>/dev/null || true
      export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql+psycopg://root@/test?host=/var/run/postgresql}"
      for _ in $(seq 1 30); do pg_answers && return 0; sleep 1; done
    fi
  fi
  warn "PostgreSQL is not answering: every PostgreSQL test will be SKIPPED (set TEST_DATABASE_URL, or run as root with apt-get)."
}

ensure_redis() {
  if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return 0; fi
  if ! command -v redis-server >/dev/null 2>&1 && can_apt; then
    echo "==> installing Redis with apt-get (the tests of several app servers share one)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null || true
  fi
  if command -v redis-server >/dev/null 2>&1; then
    echo "==> starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
    sleep 0.5
  fi
  command -v redis-server >/dev/null 2>&1 || \
    warn "Redis is missing and could not be installed: the tests of several app servers will be SKIPPED."
}

ensure_chromium() {
  if command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_PATH:-}" ]; then return 0; fi
  if can_apt; then
    echo "==> installing Chromium with apt-get (browser tests drive it through Playwright)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null || true
  fi
  command -v chromium >/dev/null 2>&1 || \
    warn "Chromium is missing and could not be installed: every browser test will be SKIPPED (apt-get install chromium)."
}

ensure_postgres
ensure_redis
ensure_chromium

echo "==> ruff"
"$VENV/bin/ruff" check .
echo "==> pytest"
exec "$VENV/bin/python" -m pytest "$@"
