# Shared helpers for the local stack. Sourced, never executed.
# Every service module in hack/services/<name>.sh defines:
#   <name>_install   install what is missing (idempotent, cached under $ORDERFLOW_CACHE)
#   <name>_start     start it on loopback, wait until healthy (no-op if already running)
#   <name>_stop      stop only the processes the stack started (by pid file)
#   <name>_status    print one line; return 0 when healthy
#   <name>_env       print KEY=value lines of connection settings (optional)

set -euo pipefail

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$HACK_DIR/.." && pwd)"
# Downloads and builds, keyed by version; survives fresh clones.
ORDERFLOW_CACHE="${ORDERFLOW_CACHE:-$HOME/.cache/orderflow}"
# Data, logs and pid files of running services: one known folder per checkout.
ORDERFLOW_STATE="${ORDERFLOW_STATE:-$REPO_DIR/.stack}"
export ORDERFLOW_CACHE ORDERFLOW_STATE
mkdir -p "$ORDERFLOW_CACHE" "$ORDERFLOW_STATE"

log()  { printf '[stack] %s\n' "$*" >&2; }
warn() { printf '[stack] warning: %s\n' "$*" >&2; }
die()  { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# svc_dir NAME -> $ORDERFLOW_STATE/NAME (created), holding data/, NAME.log, NAME.pid
svc_dir() { mkdir -p "$ORDERFLOW_STATE/$1"; printf '%s' "$ORDERFLOW_STATE/$1"; }
svc_log() { printf '%s/%s.log' "$(svc_dir "$1")" "$1"; }
svc_pidfile() { printf '%s/%s.pid' "$(svc_dir "$1")" "$1"; }

# True when the pid recorded for NAME is alive.
svc_running() {
  local pidfile; pidfile="$(svc_pidfile "$1")"
  [[ -s "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# port_in_use PORT: something listens on 127.0.0.1:PORT (or any address).
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# require_free_port NAME PORT...: fail clearly if a port is taken by a process we did not start.
require_free_port() {
  local name="$1"; shift
  local p
  for p in "$@"; do
    if port_in_use "$p"; then
      local who=""
      command -v ss >/dev/null && who="$(ss -Htlnp "sport = :$p" 2>/dev/null | head -1 | sed 's/.*users:(("\([^"]*\)".*pid=\([0-9]*\).*/\1 (pid \2)/')"
      die "$name: port $p is already in use${who:+ by $who}; stop it or run 'hack/stack down $name'"
    fi
  done
}

# start_daemon NAME CMD...: run CMD in the background in its own session, output to the
# service log, pid recorded. As a user other than root: START_AS=user.
start_daemon() {
  local name="$1"; shift
  local logf pidf; logf="$(svc_log "$name")"; pidf="$(svc_pidfile "$name")"
  : >"$logf"
  if [[ -n "${START_AS:-}" ]]; then
    chown "$START_AS" "$logf"
    setsid runuser -u "$START_AS" -- "$@" >>"$logf" 2>&1 </dev/null &
  else
    setsid "$@" >>"$logf" 2>&1 </dev/null &
  fi
  echo $! >"$pidf"
}

# stop_daemon NAME [TIMEOUT_S]: TERM the process group we started, KILL after the timeout.
stop_daemon() {
  local name="$1" timeout="${2:-30}" pidf pid
  pidf="$(svc_pidfile "$name")"
  [[ -s "$pidf" ]] || return 0
  pid="$(cat "$pidf")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < timeout * 10; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      warn "$name did not stop in ${timeout}s; killing"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidf"
}

# wait_until NAME TIMEOUT_S CMD...: poll CMD until it succeeds; on timeout or when the
# daemon died, fail with the tail of its log.
wait_until() {
  local name="$1" timeout="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! svc_running "$name"; then
      fail_with_log "$name" "exited during start-up"
    fi
    if ((SECONDS >= deadline)); then
      fail_with_log "$name" "not healthy after ${timeout}s"
    fi
    sleep 0.3
  done
}

fail_with_log() {
  local name="$1" why="$2" logf
  logf="$(svc_log "$name")"
  printf '[stack] error: %s %s; last lines of %s:\n' "$name" "$why" "$logf" >&2
  tail -n 30 "$logf" >&2 || true
  # Leave nothing half-started behind: a rerun starts clean.
  stop_daemon "$name" 10 || true
  exit 1
}

# apt_install PKG...: install Debian packages that are missing, without letting their
# maintainer scripts start system services (we run our own instances).
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  [[ $EUID -eq 0 ]] || die "need root to install ${missing[*]} (apt-get); run as root or install them first"
  log "installing Debian packages: ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d created=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created=1
  fi
  local stamp="$ORDERFLOW_CACHE/apt-updated"
  if [[ ! -f $stamp ]] || [[ -n "$(find "$stamp" -mmin +720 2>/dev/null)" ]]; then
    apt-get update -qq >/dev/null && touch "$stamp"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$ORDERFLOW_CACHE/apt-install.log" 2>&1 \
    || { ((created)) && rm -f "$policy"; tail -20 "$ORDERFLOW_CACHE/apt-install.log" >&2; die "apt-get install ${missing[*]} failed"; }
  ((created)) && rm -f "$policy"
  return 0
}

# require_cmd CMD HINT: fail with a clear message when a prerequisite is missing.
require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "missing prerequisite '$1': $2"
}

# http_ok URL: 2xx from URL.
http_ok() { curl -fsS -o /dev/null --max-time 3 "$@"; }
