#!/usr/bin/env bash
# Fault test "quota_rush" at full scale (README.md, 故障测试); sizes: FAULTS_* variables, see run.sh.
exec bash "$(dirname "$0")/run.sh" quota_rush
