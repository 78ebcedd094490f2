#!/usr/bin/env bash
# Headless Chromium + chromedriver for the browser tests (the prefs-api status page).
#
# Usage: deploy/local/chromium.sh [install|check]
#   install (default): install Debian's chromium and chromium-driver with apt-get if either is
#                      missing; a no-op when both are there. Needs root (or sudo) and a reachable
#                      Debian mirror; nothing is downloaded by the tests themselves.
#   check:             exit 0 if both are installed, 1 otherwise (prints what is missing).
#
# Env: LB_CHROMIUM (/usr/bin/chromium), LB_CHROMEDRIVER (/usr/bin/chromedriver)
set -euo pipefail

CHROMIUM="${LB_CHROMIUM:-/usr/bin/chromium}"
CHROMEDRIVER="${LB_CHROMEDRIVER:-/usr/bin/chromedriver}"

log() { echo "[chromium] $*" >&2; }
die() { echo "[chromium] ERROR: $*" >&2; exit 1; }

missing() {
  local out=()
  [[ -x "$CHROMIUM" ]] || out+=("chromium ($CHROMIUM)")
  [[ -x "$CHROMEDRIVER" ]] || out+=("chromium-driver ($CHROMEDRIVER)")
  echo "${out[*]:-}"
}

install() {
  local gone
  gone="$(missing)"
  if [[ -z "$gone" ]]; then
    log "already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
    return 0
  fi
  log "missing: $gone; installing with apt-get"
  command -v apt-get >/dev/null || die "apt-get not found; install Chromium and chromedriver yourself and set LB_CHROMIUM / LB_CHROMEDRIVER"
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || die "not root and no sudo: run 'apt-get install -y chromium chromium-driver' as root"
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed (no Debian mirror reachable?)"
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null \
    || die "apt-get install chromium chromium-driver failed"
  gone="$(missing)"
  [[ -z "$gone" ]] || die "still missing after install: $gone (set LB_CHROMIUM / LB_CHROMEDRIVER?)"
  log "installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
}

case "${1:-install}" in
  install) install ;;
  check)
    gone="$(missing)"
    if [[ -n "$gone" ]]; then log "missing: $gone (run: bash deploy/local/chromium.sh install)"; exit 1; fi
    log "ok: $CHROMIUM, $CHROMEDRIVER"
    ;;
  *) die "usage: $0 [install|check]" ;;
esac
