#!/usr/bin/env bash
# Start, stop and check the four LedgerBridge services and the three vendor sandboxes as local
# processes (uvicorn). Logs: .local/logs/<name>.log; pids: .local/run/<name>.pid.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
local_dir="${LB_LOCAL_DIR:-$root/.local}"
run_dir="$local_dir/run"; log_dir="$local_dir/logs"
mkdir -p "$run_dir" "$log_dir"
uv_bin="$(command -v uv || echo "$HOME/.local/bin/uv")"

# Shared settings for the local demo (tests set their own).
# The internal API's token: random, made once per machine (no public default).
token_file="$local_dir/internal.token"
if [ ! -s "$token_file" ]; then
  "$uv_bin" run --no-sync python -c 'import secrets; print(secrets.token_hex(32))' >"$token_file"
  chmod 600 "$token_file"
fi
export LB_INTERNAL_TOKEN="${LB_INTERNAL_TOKEN:-$(cat "$token_file")}"
# the services read prefs-api's internal API, served on its own port
export LB_PREFS_URL="${LB_PREFS_URL:-http://127.0.0.1:18011}"
export LB_QBO_BASE_URL="${LB_QBO_BASE_URL:-http://127.0.0.1:18081}"
export LB_QBO_OAUTH_URL="${LB_QBO_OAUTH_URL:-http://127.0.0.1:18081}"
export LB_BILLCOM_BASE_URL="${LB_BILLCOM_BASE_URL:-http://127.0.0.1:18082/connect}"
# webhook-ingest's base URL as BILL posts to it: connecting BILL subscribes its webhooks there
export LB_WEBHOOK_PUBLIC_URL="${LB_WEBHOOK_PUBLIC_URL:-http://127.0.0.1:18000}"
export LB_PREFS_BOOTSTRAP_ADMIN_KEY="${LB_PREFS_BOOTSTRAP_ADMIN_KEY:-lb_demo_admin_key_0123456789abcdef}"
# A Fernet key made once per machine for the local demo, kept in the ignored .local folder.
key_file="$local_dir/credentials.key"
if [ ! -s "$key_file" ]; then
  "$uv_bin" run --no-sync python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' >"$key_file"
  chmod 600 "$key_file"
fi
export LB_PREFS_CREDENTIALS_KEY="${LB_PREFS_CREDENTIALS_KEY:-$(cat "$key_file")}"

# name | port | command
services=(
  "qbo-sandbox|18081|$uv_bin run --no-sync uvicorn qbo_sandbox.app:create_app --factory --host 127.0.0.1 --port 18081"
  "billcom-sandbox|18082|$uv_bin run --no-sync uvicorn billcom_sandbox.app:create_app --factory --host 127.0.0.1 --port 18082"
  "intacct-sandbox|18083|env INTACCT_SANDBOX_SEED_COMPANY_ID=ledgerbridge-demo $uv_bin run --no-sync uvicorn intacct_sandbox.app:create_app --factory --host 127.0.0.1 --port 18083"
  "netsuite-sandbox|18084|$uv_bin run --no-sync uvicorn netsuite_sandbox.app:create_app --factory --host 127.0.0.1 --port 18084"
  "prefs-api|18010|env LB_HTTP_PORT=18010 LB_INTERNAL_PORT=18011 $uv_bin run --no-sync python -m prefs_api"
  "webhook-ingest|18000|env LB_HTTP_PORT=18000 $uv_bin run --no-sync python -m webhook_ingest"
  "sync-engine|18020|env LB_HTTP_PORT=18020 $uv_bin run --no-sync python -m sync_engine"
  "posting|18030|env LB_HTTP_PORT=18030 $uv_bin run --no-sync python -m posting_service"
)

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_ready() {
  local name=$1 port=$2 path=$3 deadline=$((SECONDS + 60))
  until curl -fsS "http://127.0.0.1:$port$path" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ] || ! pid_alive "$run_dir/$name.pid"; then
      echo "[$name] did not become ready on port $port; last log lines:" >&2
      tail -n 30 "$log_dir/$name.log" >&2 || true
      return 1
    fi
    sleep 0.3
  done
}

start() {
  cd "$root"
  for entry in "${services[@]}"; do
    IFS='|' read -r name port cmd <<<"$entry"
    if pid_alive "$run_dir/$name.pid"; then echo "[$name] already running on $port"; continue; fi
    # shellcheck disable=SC2086
    nohup setsid $cmd >>"$log_dir/$name.log" 2>&1 &
    echo $! >"$run_dir/$name.pid"
    case $name in *sandbox) path="/_sandbox/health" ;; *) path="/healthz" ;; esac
    wait_ready "$name" "$port" "$path"
    echo "[$name] up on http://127.0.0.1:$port (log $log_dir/$name.log)"
  done
}

stop() {
  for entry in "${services[@]}"; do
    IFS='|' read -r name _ _ <<<"$entry"
    pidfile="$run_dir/$name.pid"
    if pid_alive "$pidfile"; then
      pid=$(cat "$pidfile")
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      echo "[$name] stopped"
    fi
    rm -f "$pidfile"
  done
}

status() {
  for entry in "${services[@]}"; do
    IFS='|' read -r name port _ <<<"$entry"
    if pid_alive "$run_dir/$name.pid"; then echo "[$name] running on $port"; else echo "[$name] stopped"; fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
