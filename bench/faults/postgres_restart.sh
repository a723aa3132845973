#!/usr/bin/env bash
# Fault test "postgres_restart" at full scale (README.md, 故障测试); sizes: FAULTS_* variables, see run.sh.
exec bash "$(dirname "$0")/run.sh" postgres_restart
