#!/usr/bin/env bash
# The fault tests of issue 20 at full scale, each against servers of its own (README.md, 故障测试):
#
#   bash bench/faults/run.sh                      # all four
#   bash bench/faults/run.sh postgres_restart     # one or more of: postgres_restart redis_outage quota_rush worker_kill
#
# Each fault is a pytest in tests/faults/ (CI runs them at a smaller scale); this script raises the
# scale (FAULTS_* variables, defaults below, yours win) and prints what each measured, also kept in
# var/faults/<name>.txt. It starts its own PostgreSQL cluster (initdb) and redis-server on ports of
# their own and never stops the machine's PostgreSQL or Redis. The test database lives on
# FAULTS_DATABASE_URL (default: the local PostgreSQL, database bench_faults; pytest creates test_bench_faults).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .venv/bin/pytest ] || make install
export DATABASE_URL="${FAULTS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bench_faults}"
unset REDIS_URL  # the test process caches in memory; the site under test gets its own redis-server
export FAULTS_PG_CLIENTS="${FAULTS_PG_CLIENTS:-16}" FAULTS_PG_DOWN_SECONDS="${FAULTS_PG_DOWN_SECONDS:-10}"
export FAULTS_PG_AFTER_SECONDS="${FAULTS_PG_AFTER_SECONDS:-10}" FAULTS_PG_WEB_WORKERS="${FAULTS_PG_WEB_WORKERS:-3}"
export FAULTS_REDIS_SUBMITS="${FAULTS_REDIS_SUBMITS:-60}"
export FAULTS_QUOTA_REQUESTS="${FAULTS_QUOTA_REQUESTS:-200}" FAULTS_QUOTA_PLACES="${FAULTS_QUOTA_PLACES:-10}"
export FAULTS_QUOTA_WEB_WORKERS="${FAULTS_QUOTA_WEB_WORKERS:-8}"
export FAULTS_KILL_STEPS="${FAULTS_KILL_STEPS:-30}"  # the visibility timeout defaults to twice the task's length

faults=("$@")
[ ${#faults[@]} -gt 0 ] || faults=(postgres_restart redis_outage quota_rush worker_kill)
status=0
for fault in "${faults[@]}"; do
  case "$fault" in
    postgres_restart|redis_outage|quota_rush|worker_kill) ;;
    *) echo "unknown fault: $fault (postgres_restart redis_outage quota_rush worker_kill)" >&2; exit 2 ;;
  esac
  rm -f var/faults/"$fault"*.txt
  echo "== $fault ($(date -u '+%H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg))"
  log="var/faults/$fault.log"
  mkdir -p var/faults
  if timeout 1800 .venv/bin/pytest -q -p no:cacheprovider -s "tests/faults/test_$fault.py" >"$log" 2>&1; then
    echo "   passed"
  else
    status=1
    echo "   FAILED: see $log"; tail -n 30 "$log"
  fi
  cat var/faults/"$fault"*.txt 2>/dev/null || true
done
exit $status
