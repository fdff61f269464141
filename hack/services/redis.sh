# Redis 7 from Debian, loopback only, password generated once per stack.
REDIS_PORT=6379

redis_install() { apt_install redis-server; }

_redis_password() {
  local f; f="$(svc_dir redis)/password"
  [[ -s "$f" ]] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$f")
  cat "$f"
}

_redis_ping() { REDISCLI_AUTH="$(_redis_password)" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping | grep -q PONG; }

redis_start() {
  local dir; dir="$(svc_dir redis)"
  if svc_running redis; then return 0; fi
  require_free_port redis "$REDIS_PORT"
  mkdir -p "$dir/data"
  (umask 077; cat >"$dir/redis.conf" <<CONF
bind 127.0.0.1 -::1
protected-mode yes
port $REDIS_PORT
daemonize no
dir $dir/data
requirepass $(_redis_password)
save 60 1000
appendonly no
maxmemory 1gb
maxmemory-policy noeviction
CONF
)
  start_daemon redis redis-server "$dir/redis.conf"
  wait_until redis 30 _redis_ping
}

redis_stop() { stop_daemon redis 20; }

redis_status() {
  if svc_running redis && _redis_ping 2>/dev/null; then
    echo "redis       up    127.0.0.1:$REDIS_PORT"
  else
    echo "redis       down"; return 1
  fi
}

redis_env() {
  echo "REDIS_URL=redis://:$(_redis_password)@127.0.0.1:$REDIS_PORT"
}
