# Shared by run.sh and test.sh: find Python 3.11+, create .venv, install the project when pyproject changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
EXTRAS="${1:-}"

pick_python() {
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 or newer is needed (apt-get install python3 python3-venv)" >&2
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  PY="$(pick_python)"
  echo "==> creating the virtual environment .venv with $PY"
  "$PY" -m venv "$VENV" || { echo "python venv failed: apt-get install python3-venv" >&2; exit 1; }
fi
STAMP="$VENV/.installed${EXTRAS:+-$EXTRAS}"
WANT="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "==> installing the portal and its dependencies into .venv${EXTRAS:+ (with $EXTRAS extras)}"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".${EXTRAS:+[$EXTRAS]}"
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
