#!/usr/bin/env bash
# Run a command with the local Kafka + PostgreSQL stack up; stop the stack afterwards only if
# this script started it (so `make test` leaves nothing running that it started).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
kafka_port="${LB_KAFKA_PORT:-19092}"
pg_port="${LB_PG_PORT:-15432}"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

started=0
if ! port_open "$kafka_port" || ! port_open "$pg_port"; then
  bash "$root/deploy/local/stack.sh" up
  started=1
fi
cleanup() { if [ "$started" = 1 ]; then bash "$root/deploy/local/stack.sh" down || true; fi; }
trap cleanup EXIT
"$@"
