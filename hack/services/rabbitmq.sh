# RabbitMQ 3.10 + management and prometheus plugins from Debian, run as our own node with
# its database, logs and Erlang cookie under $ORDERFLOW_STATE. epmd is started (and stopped)
# by the stack on loopback so nothing outlives "down". Erlang distribution (the node's
# RABBITMQ_DIST_PORT and rabbitmqctl's own ports) listens on loopback only too:
# inet_dist_use_interface, since RABBITMQ_DIST_PORT alone binds every interface.
RABBITMQ_PORT=5672
RABBITMQ_MGMT_PORT=15672
RABBITMQ_PROM_PORT=15692
RABBITMQ_DIST_PORT=25672
RABBITMQ_EPMD_PORT=4369
RABBITMQ_USER=orderflow
RABBITMQ_BIN=/usr/lib/rabbitmq/bin

rabbitmq_install() { apt_install rabbitmq-server; }

_rabbitmq_password() {
  local f; f="$(svc_dir rabbitmq)/password"
  [[ -s "$f" ]] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$f")
  cat "$f"
}

_rabbitmq_envs() {
  local dir; dir="$(svc_dir rabbitmq)"
  printf '%s\n' \
    "HOME=$dir" \
    "ERL_EPMD_ADDRESS=127.0.0.1" \
    "ERL_EPMD_PORT=$RABBITMQ_EPMD_PORT" \
    "RABBITMQ_NODENAME=orderflow@localhost" \
    "RABBITMQ_DIST_PORT=$RABBITMQ_DIST_PORT" \
    "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}" \
    "RABBITMQ_CTL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}" \
    "RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf" \
    "RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins" \
    "RABBITMQ_MNESIA_BASE=$dir/mnesia" \
    "RABBITMQ_LOG_BASE=$dir/log" \
    "RABBITMQ_LOGS=-" \
    "RABBITMQ_PID_FILE=$dir/rabbitmq-node.pid"
}

_rabbitmq_healthy() {
  curl -fsS --max-time 3 -u "$RABBITMQ_USER:$(_rabbitmq_password)" \
    "http://127.0.0.1:$RABBITMQ_MGMT_PORT/api/health/checks/virtual-hosts" >/dev/null &&
    port_in_use "$RABBITMQ_PORT"
}

rabbitmq_start() {
  local dir; dir="$(svc_dir rabbitmq)"
  if svc_running rabbitmq; then return 0; fi
  require_free_port rabbitmq "$RABBITMQ_PORT" "$RABBITMQ_MGMT_PORT" "$RABBITMQ_PROM_PORT" "$RABBITMQ_DIST_PORT"
  mkdir -p "$dir/mnesia" "$dir/log"
  local cookie="$dir/.erlang.cookie"
  [[ -s "$cookie" ]] || (umask 077; head -c 20 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$cookie")
  chmod 400 "$cookie"
  echo '[rabbitmq_management,rabbitmq_prometheus].' >"$dir/enabled_plugins"
  (umask 077; cat >"$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$RABBITMQ_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBITMQ_MGMT_PORT
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $RABBITMQ_PROM_PORT
loopback_users.guest = true
default_user = $RABBITMQ_USER
default_pass = $(_rabbitmq_password)
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
vm_memory_high_watermark.relative = 0.4
# Queue counts in the management API (the operator's backlog metric) every 1 s, not 5 s.
collect_statistics_interval = 1000
disk_free_limit.absolute = 1GB
CONF
)
  # epmd: ours, on loopback, unless one already answers (then it is shared, not ours to stop).
  if ! port_in_use "$RABBITMQ_EPMD_PORT"; then
    start_daemon epmd env ERL_EPMD_ADDRESS=127.0.0.1 epmd -port "$RABBITMQ_EPMD_PORT"
  fi
  local envs; mapfile -t envs < <(_rabbitmq_envs)
  start_daemon rabbitmq env "${envs[@]}" "$RABBITMQ_BIN/rabbitmq-server"
  wait_until rabbitmq 120 _rabbitmq_healthy
}

rabbitmq_stop() {
  if svc_running rabbitmq; then
    local envs; mapfile -t envs < <(_rabbitmq_envs)
    env "${envs[@]}" "$RABBITMQ_BIN/rabbitmqctl" stop >/dev/null 2>&1 || true
  fi
  stop_daemon rabbitmq 60
  stop_daemon epmd 10
}

rabbitmq_status() {
  if svc_running rabbitmq && _rabbitmq_healthy 2>/dev/null; then
    echo "rabbitmq    up    amqp://127.0.0.1:$RABBITMQ_PORT  management http://127.0.0.1:$RABBITMQ_MGMT_PORT"
  else
    echo "rabbitmq    down"; return 1
  fi
}

rabbitmq_env() {
  local pw; pw="$(_rabbitmq_password)"
  echo "RABBITMQ_URL=amqp://$RABBITMQ_USER:$pw@127.0.0.1:$RABBITMQ_PORT"
  echo "RABBITMQ_MANAGEMENT_URL=http://127.0.0.1:$RABBITMQ_MGMT_PORT"
  echo "RABBITMQ_USER=$RABBITMQ_USER"
  echo "RABBITMQ_PASSWORD=$pw"
}
