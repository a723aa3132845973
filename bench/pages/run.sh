#!/usr/bin/env bash
# The page benchmark from a fresh clone: installs .venv if needed, then runs bench/pages/run.py.
#   bash bench/pages/run.sh [--no-baseline] [--duration 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { sudo -n apt-get install -y wrk 2>/dev/null || apt-get install -y wrk; }
make -s install
exec .venv/bin/python bench/pages/run.py "$@"
