#!/usr/bin/env bash
# make bench: the whole benchmark suite on throw-away PostgreSQL and Redis servers.
#   bash bench/run.sh [LEARNERS] [SECONDS_PER_PAGE]
# Small scale by default (20,000 learners, 5 s per page: a few minutes). Full scale:
#   make bench BENCH_LEARNERS=200000 BENCH_DURATION=20     then BENCH_LEARNERS=1000000
set -Eeuo pipefail
cd "$(dirname "$0")/.."
LEARNERS=${1:-20000}
DURATION=${2:-5}
COHORTS=$(( LEARNERS >= 200000 ? 10000 : LEARNERS / 20 + 100 ))
source scripts/services.sh
services_install wrk
WORK=$(mktemp -d /tmp/talentportal-bench.XXXXXX)
services_start "$WORK" 55532 56479
PY=.venv/bin/python

echo "== data: $LEARNERS learners, $COHORTS cohorts"
$PY bench/generate.py --learners "$LEARNERS" --cohorts "$COHORTS"
echo "== certificates"
$PY bench/certificates.py --count 300
echo "== reminder scan"
$PY bench/reminder_scan.py
echo "== pages under load"
$PY bench/load.py --duration "$DURATION"
