#!/usr/bin/env bash
# Local PostgreSQL for LedgerBridge (no Docker; uses the machine's server binaries).
#
# Usage: deploy/local/postgres.sh start|stop|status|restart
#        deploy/local/postgres.sh psql [PSQL ARGS...]    (as ledgerbridge)
#
# Env: LB_PG_PORT (15432), LB_LOCAL_DIR (<repo>/.local),
#      LB_PG_BINDIR (auto: pg_config --bindir, else newest /usr/lib/postgresql/*/bin),
#      LB_PG_OS_USER (lbpostgres; only used when run as root),
#      LB_PG_START_TIMEOUT (60 s), LB_PG_STOP_TIMEOUT (60 s)
#
# DSN: postgresql+asyncpg://ledgerbridge:ledgerbridge@127.0.0.1:15432/ledgerbridge
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
LOCAL_DIR="${LB_LOCAL_DIR:-$REPO_ROOT/.local}"
PG_PORT="${LB_PG_PORT:-15432}"
OS_USER="${LB_PG_OS_USER:-lbpostgres}"
START_TIMEOUT="${LB_PG_START_TIMEOUT:-60}"
STOP_TIMEOUT="${LB_PG_STOP_TIMEOUT:-60}"

PG_DIR="$LOCAL_DIR/postgres"
DATA_DIR="$PG_DIR/data"
LOG_DIR="$PG_DIR/logs"
RUN_DIR="$PG_DIR/run"
HOST=127.0.0.1

APP_USER=ledgerbridge
APP_PASSWORD=ledgerbridge
APP_DB=ledgerbridge

log() { echo "[postgres] $*" >&2; }
die() { echo "[postgres] ERROR: $*" >&2; exit 1; }

has_server_bins() { [[ -x "$1/initdb" && -x "$1/pg_ctl" && -x "$1/postgres" ]]; }

find_bindir() {
  local d
  if [[ -n "${LB_PG_BINDIR:-}" ]]; then
    has_server_bins "$LB_PG_BINDIR" || die "LB_PG_BINDIR=$LB_PG_BINDIR has no initdb/pg_ctl/postgres"
    echo "$LB_PG_BINDIR"; return
  fi
  if command -v pg_config >/dev/null 2>&1; then
    d="$(pg_config --bindir 2>/dev/null || true)"
    if [[ -n "$d" ]] && has_server_bins "$d"; then echo "$d"; return; fi
  fi
  # Debian/Ubuntu layout; newest major first.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if has_server_bins "$d"; then echo "$d"; return; fi
  done
  d="$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/pg_ctl)")"
  if has_server_bins "$d"; then echo "$d"; return; fi
  die "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found. Install them: apt-get install postgresql (or set LB_PG_BINDIR)"
}

BINDIR=""
PSQL=""
init_bins() {
  [[ -n "$BINDIR" ]] && return 0
  BINDIR="$(find_bindir)"
  if [[ -x "$BINDIR/psql" ]]; then PSQL="$BINDIR/psql"
  elif command -v psql >/dev/null 2>&1; then PSQL="$(command -v psql)"
  else die "psql not found: apt-get install postgresql-client"; fi
}

# --- running the server as a non-root user ---------------------------------
# PostgreSQL refuses to run as root, so as root we use a system account.
RUN_AS=""
init_user() {
  [[ -n "$RUN_AS" ]] && return 0
  if [[ "$(id -u)" != 0 ]]; then
    RUN_AS="$(id -un)"
    return 0
  fi
  RUN_AS="$OS_USER"
  if ! id -u "$RUN_AS" >/dev/null 2>&1; then
    log "creating system user $RUN_AS (PostgreSQL refuses to run as root)"
    local nologin=/usr/sbin/nologin
    [[ -x "$nologin" ]] || nologin=/bin/false
    if command -v useradd >/dev/null 2>&1; then
      useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell "$nologin" "$RUN_AS" 2>/dev/null \
        || useradd -r -M -d /nonexistent -s "$nologin" "$RUN_AS" 2>/dev/null || true
    elif command -v adduser >/dev/null 2>&1; then
      adduser --system --group --no-create-home "$RUN_AS" >/dev/null 2>&1 || true
    fi
    id -u "$RUN_AS" >/dev/null 2>&1 \
      || die "could not create system user $RUN_AS (needs useradd/adduser); create it or set LB_PG_OS_USER to an existing non-root user"
  fi
  [[ "$(id -u "$RUN_AS")" != 0 ]] || die "LB_PG_OS_USER=$RUN_AS is root; PostgreSQL needs a non-root user"
}

as_pg() {
  # Run a command as the server's OS user, from a directory it can enter.
  if [[ "$(id -u)" != 0 ]]; then
    (cd "$PG_DIR" && "$@")
  elif command -v runuser >/dev/null 2>&1; then
    (cd "$PG_DIR" && runuser -u "$RUN_AS" -- "$@")
  else
    local q
    q="$(printf '%q ' "$@")"
    (cd "$PG_DIR" && su -s /bin/sh "$RUN_AS" -c "$q")
  fi
}

prepare_dirs() {
  mkdir -p "$PG_DIR" "$LOG_DIR" "$RUN_DIR" "$DATA_DIR"
  if [[ "$(id -u)" == 0 ]]; then
    chown "$RUN_AS:" "$PG_DIR" "$LOG_DIR" "$RUN_DIR"
    # Fix ownership of the whole data dir only when it is wrong (e.g. created
    # by an earlier run as another user); avoids a recursive chown each start.
    if [[ "$(stat -c %U "$DATA_DIR")" != "$RUN_AS" ]] \
       || [[ -n "$(find "$DATA_DIR" -maxdepth 2 ! -user "$RUN_AS" -print -quit 2>/dev/null)" ]]; then
      chown -R "$RUN_AS:" "$DATA_DIR"
    fi
  fi
  chmod 700 "$DATA_DIR"
  if [[ "$(id -u)" == 0 ]] && ! as_pg test -w "$DATA_DIR"; then
    # e.g. a clone inside a `mktemp -d` (mode 700): let the server user traverse (o+x only,
    # no read) the parents it must pass to reach its own folder.
    local dir="$PG_DIR"
    while [[ "$dir" != "/" ]]; do
      dir="$(dirname "$dir")"
      if ! as_pg test -x "$dir"; then
        echo "[postgres] adding o+x (traverse only) to $dir so $RUN_AS can reach its data folder" >&2
        chmod o+x "$dir"
      fi
    done
  fi
  if ! as_pg test -w "$DATA_DIR"; then
    die "user $RUN_AS cannot write $DATA_DIR: every parent directory of $PG_DIR must be searchable (o+x) by $RUN_AS. Fix permissions or set LB_LOCAL_DIR to another place."
  fi
}

socket_dir() {
  # Unix socket paths are limited to ~107 bytes; fall back to /tmp if too deep.
  local d="$RUN_DIR"
  if (( ${#d} + 16 > 100 )); then
    d="/tmp/lb-pg-$(echo -n "$PG_DIR" | sha256sum | cut -c1-12)"
    mkdir -p "$d"
    [[ "$(id -u)" == 0 ]] && chown "$RUN_AS:" "$d"
  fi
  echo "$d"
}

write_config() {
  local sock
  sock="$(socket_dir)"
  as_pg tee "$DATA_DIR/ledgerbridge.conf" >/dev/null <<EOF
# Generated by deploy/local/postgres.sh on every start; edits are overwritten.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$sock'
max_connections = 200
logging_collector = on
log_directory = '$LOG_DIR'
log_filename = 'postgresql-%a.log'
log_truncate_on_rotation = on
log_rotation_age = 1d
log_rotation_size = 0
log_line_prefix = '%m [%p] %q%u@%d '
log_file_mode = 0644
EOF
  if ! grep -q "ledgerbridge.conf" "$DATA_DIR/postgresql.conf"; then
    printf "\n# LedgerBridge local settings\ninclude_if_exists = 'ledgerbridge.conf'\n" \
      | as_pg tee -a "$DATA_DIR/postgresql.conf" >/dev/null
  fi
}

init_cluster() {
  if [[ -f "$DATA_DIR/PG_VERSION" ]]; then
    local have want
    have="$(cat "$DATA_DIR/PG_VERSION")"
    want="$("$BINDIR/postgres" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')"
    if [[ "$have" != "$want" ]]; then
      die "$DATA_DIR was created by PostgreSQL $have but the binaries in $BINDIR are $want. Remove $PG_DIR (loses local data) or set LB_PG_BINDIR."
    fi
    return 0
  fi
  if [[ -n "$(ls -A "$DATA_DIR" 2>/dev/null)" ]]; then
    die "$DATA_DIR is not empty but holds no PostgreSQL cluster; remove it and retry"
  fi
  log "initdb in $DATA_DIR (superuser postgres, trust auth for local/loopback)"
  as_pg "$BINDIR/initdb" -D "$DATA_DIR" -U postgres --auth=trust -E UTF8 --no-locale \
    >"$LOG_DIR/initdb.log" 2>&1 \
    || { tail -n 30 "$LOG_DIR/initdb.log" >&2; die "initdb failed (log: $LOG_DIR/initdb.log)"; }
}

is_running() { as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; }

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") >/dev/null 2>&1; }

server_pid() { head -n1 "$DATA_DIR/postmaster.pid" 2>/dev/null || true; }

admin_psql() {
  "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PG_PORT" -U postgres -d postgres "$@"
}

wait_ready() {
  local deadline=$((SECONDS + START_TIMEOUT))
  while (( SECONDS < deadline )); do
    if [[ -x "$BINDIR/pg_isready" ]]; then
      "$BINDIR/pg_isready" -q -h "$HOST" -p "$PG_PORT" -t 2 && return 0
    elif admin_psql -tAc 'select 1' >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.3
  done
  return 1
}

print_log_tail() {
  local f
  f="$(ls -t "$LOG_DIR"/postgresql-*.log 2>/dev/null | head -n1 || true)"
  for f in "$LOG_DIR/pg_ctl.log" $f; do
    [[ -s "$f" ]] || continue
    log "---- last 30 lines of $f ----"
    tail -n 30 "$f" >&2 || true
  done
}

ensure_app_db() {
  admin_psql <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_USER') THEN
    CREATE ROLE $APP_USER LOGIN CREATEDB PASSWORD '$APP_PASSWORD';
  END IF;
END
\$\$;
SELECT 'CREATE DATABASE $APP_DB OWNER $APP_USER'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$APP_DB')
\gexec
SQL
}

cmd_start() {
  init_bins
  init_user
  if [[ -f "$DATA_DIR/PG_VERSION" ]] && is_running; then
    ensure_app_db
    log "already running (pid $(server_pid)) on $HOST:$PG_PORT"
    return 0
  fi
  if port_open "$PG_PORT"; then
    die "port $PG_PORT is already in use by another process (set LB_PG_PORT to use another port)"
  fi
  prepare_dirs
  init_cluster
  write_config
  local t0=$SECONDS
  log "starting PostgreSQL $(cat "$DATA_DIR/PG_VERSION") on $HOST:$PG_PORT"
  # pg_ctl puts the postmaster in its own session (setsid), so it outlives us.
  if ! as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" -l "$LOG_DIR/pg_ctl.log" \
        -w -t "$START_TIMEOUT" start >/dev/null 2>"$LOG_DIR/pg_ctl.err" 9>&-; then
    cat "$LOG_DIR/pg_ctl.err" >&2 || true
    print_log_tail
    die "PostgreSQL failed to start (logs in $LOG_DIR)"
  fi
  if ! wait_ready; then
    print_log_tail
    die "PostgreSQL did not accept connections on $HOST:$PG_PORT within ${START_TIMEOUT}s"
  fi
  ensure_app_db
  log "ready (pid $(server_pid)) in $((SECONDS - t0))s; DSN postgresql://$APP_USER:$APP_PASSWORD@$HOST:$PG_PORT/$APP_DB"
}

cmd_stop() {
  init_bins
  init_user
  if [[ ! -f "$DATA_DIR/PG_VERSION" ]] || ! is_running; then
    log "not running"
    return 0
  fi
  log "stopping (pid $(server_pid)) ..."
  if ! as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null 2>&1; then
    log "fast shutdown timed out after ${STOP_TIMEOUT}s; using immediate mode"
    as_pg "$BINDIR/pg_ctl" -D "$DATA_DIR" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  is_running && die "could not stop PostgreSQL (pid $(server_pid))"
  log "stopped"
}

cmd_status() {
  init_bins
  init_user
  if [[ -f "$DATA_DIR/PG_VERSION" ]] && is_running; then
    echo "postgres: running (pid $(server_pid)) version $(cat "$DATA_DIR/PG_VERSION") on $HOST:$PG_PORT db $APP_DB user $APP_USER data $DATA_DIR"
    return 0
  fi
  echo "postgres: stopped (would listen on $HOST:$PG_PORT)"
  return 3
}

cmd_psql() {
  init_bins
  PGPASSWORD="$APP_PASSWORD" exec "$PSQL" -h "$HOST" -p "$PG_PORT" -U "$APP_USER" -d "$APP_DB" "$@"
}

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

lock() {
  # Serialise concurrent start/stop (e.g. parallel test runs).
  mkdir -p "$LOCAL_DIR"
  exec 9>"$LOCAL_DIR/.postgres.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 300 9 || die "timed out waiting for $LOCAL_DIR/.postgres.lock"
  fi
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in start|stop|restart) lock ;; esac
  case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    restart) cmd_stop; cmd_start ;;
    status) cmd_status ;;
    psql) cmd_psql "$@" ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
