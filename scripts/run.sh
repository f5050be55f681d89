#!/usr/bin/env bash
# Run the portal on its embedded default: SQLite under instance/, the Köln budget and a demo cycle.
source "$(dirname "$0")/_env.sh"
export FLASK_APP=app
echo "==> the portal starts at http://${HOST:-127.0.0.1}:${PORT:-8050} (first start migrates and seeds instance/portal.sqlite3)"
exec "$VENV/bin/python" app.py
