#!/bin/sh
# The broker's configuration and Erlang cookie from RABBITMQ_USER, RABBITMQ_PASSWORD and
# RABBITMQ_ERLANG_COOKIE (a Secret), written where only the rabbitmq user reads them; then the
# broker as PID 1 (it stops cleanly on SIGTERM).
set -eu
: "${RABBITMQ_USER:?}" "${RABBITMQ_PASSWORD:?}" "${RABBITMQ_ERLANG_COOKIE:?}"
umask 077
printf '%s' "$RABBITMQ_ERLANG_COOKIE" >"$HOME/.erlang.cookie"
cat >"$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.default = 5672
management.tcp.port = 15672
prometheus.tcp.port = 15692
loopback_users.guest = true
default_user = $RABBITMQ_USER
default_pass = $RABBITMQ_PASSWORD
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
vm_memory_high_watermark.relative = 0.4
# Queue counts in the management API (the operator's backlog metric) every 1 s, not 5 s.
collect_statistics_interval = 1000
disk_free_limit.absolute = 256MB
CONF
unset RABBITMQ_PASSWORD RABBITMQ_ERLANG_COOKIE
exec /usr/lib/rabbitmq/bin/rabbitmq-server
