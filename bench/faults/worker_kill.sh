#!/usr/bin/env bash
# A Celery worker killed in the middle of a long task (README.md, 故障测试; tests/faults/worker_kill.py):
#
#   bash bench/faults/worker_kill.sh                                   # the built-in tasks
#   bash bench/faults/worker_kill.sh --scenario certificates.fault_scenarios:CertificateBatch
#   bash bench/faults/worker_kill.sh --steps 60 --visibility 15
#
# --scenario MODULE:CLASS adds a scenario for another task (a subclass of tests.faults.worker_kill.Scenario
# naming the task, how to start it, when it is half done and what "once in effect" means; the docstring of
# tests/faults/worker_kill.py shows one for the certificates' bulk issuance); it is run with both kills
# (the pool process, and the whole worker followed by a new one).
set -euo pipefail
while [ $# -gt 0 ]; do
  case "$1" in
    --scenario) export FAULTS_KILL_SCENARIO="$2"; shift 2 ;;
    --steps) export FAULTS_KILL_STEPS="$2"; shift 2 ;;
    --visibility) export FAULTS_KILL_VISIBILITY_TIMEOUT="$2"; shift 2 ;;
    *) echo "usage: $0 [--scenario MODULE:CLASS] [--steps N] [--visibility SECONDS]" >&2; exit 2 ;;
  esac
done
exec bash "$(dirname "$0")/run.sh" worker_kill
