#!/usr/bin/env bash
# LedgerBridge local stack: Kafka (KRaft, single node) + PostgreSQL, no Docker.
#
# Usage: deploy/local/stack.sh up|down|status|restart
#   up      install Kafka jars if needed, start Kafka, create topics, start
#           PostgreSQL (+ role/db). Idempotent: a second `up` is a quick no-op.
#   down    stop both (graceful).
#   status  running/stopped for each, with ports. Exit 0 only if both run.
#
# Env: LB_KAFKA_PORT (19092), LB_KAFKA_CONTROLLER_PORT (19093), LB_PG_PORT (15432),
#      LB_LOCAL_DIR (<repo>/.local). See deploy/local/README.md.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
export LB_LOCAL_DIR="${LB_LOCAL_DIR:-$REPO_ROOT/.local}"

KAFKA=("bash" "$SCRIPT_DIR/kafka.sh")
PG=("bash" "$SCRIPT_DIR/postgres.sh")

up() {
  local t0=$SECONDS
  "${PG[@]}" start
  "${KAFKA[@]}" install
  "${KAFKA[@]}" start
  "${KAFKA[@]}" topics
  echo "[stack] up in $((SECONDS - t0))s: kafka 127.0.0.1:${LB_KAFKA_PORT:-19092}," \
       "postgres 127.0.0.1:${LB_PG_PORT:-15432} (db/user/password ledgerbridge)" >&2
}

down() {
  local rc=0
  "${KAFKA[@]}" stop || rc=1
  "${PG[@]}" stop || rc=1
  return "$rc"
}

status() {
  local rc=0
  "${KAFKA[@]}" status || rc=3
  "${PG[@]}" status || rc=3
  return "$rc"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  restart) down; up ;;
  status) status ;;
  -h|--help|help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
