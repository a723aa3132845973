#!/usr/bin/env bash
# The deadline-rush benchmark from a fresh clone: installs .venv if needed, then runs bench/rush/run.py.
#   bash bench/rush/run.sh [--rebuild] [--no-baseline] [--duration 10] [--pages submit,detail]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { sudo -n apt-get install -y wrk 2>/dev/null || apt-get install -y wrk; }
make -s install
exec .venv/bin/python bench/rush/run.py "$@"
