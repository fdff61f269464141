# Jaeger v2 (traces), built from its Go module pinned in hack/jaeger (hack/jaeger/build.sh) and
# cached under $ORDERFLOW_CACHE/jaeger/<version>. In-memory storage; OTLP over HTTP on
# 127.0.0.1:4318, the query API on 127.0.0.1:16686 (/api/services, /api/traces?service=...).
# The UI's assets are not in the module: the API is what tests and people use. Every port is
# loopback only (hack/jaeger/config.yaml).
JAEGER_OTLP_PORT=4318
JAEGER_QUERY_PORT=16686
JAEGER_QUERY_GRPC_PORT=16685
JAEGER_HEALTH_PORT=13133
JAEGER_VERSION="$(sed -n 's#^[[:space:]]*github.com/jaegertracing/jaeger \(v[^ ]*\).*#\1#p' "$HACK_DIR/jaeger/go.mod" | head -1)"
JAEGER_BIN="$ORDERFLOW_CACHE/jaeger/$JAEGER_VERSION"

jaeger_install() {
  [[ -x "$JAEGER_BIN/jaeger" && "$(cat "$JAEGER_BIN/.jaeger.version" 2>/dev/null)" == "$JAEGER_VERSION" ]] && return 0
  require_cmd go "Go $(sed -n 's/^go //p' "$HACK_DIR/jaeger/go.mod") or newer builds Jaeger (https://go.dev/dl)"
  log "jaeger: building Jaeger $JAEGER_VERSION into $JAEGER_BIN (cold: several CPU-minutes)"
  local t0=$SECONDS
  "$HACK_DIR/jaeger/build.sh" "$JAEGER_BIN" || die "jaeger: build failed (see output above)"
  log "jaeger: built in $((SECONDS - t0))s"
}

_jaeger_ready() {
  http_ok "http://127.0.0.1:$JAEGER_HEALTH_PORT/status" && http_ok "http://127.0.0.1:$JAEGER_QUERY_PORT/api/services"
}

jaeger_start() {
  if svc_running jaeger; then return 0; fi
  require_free_port jaeger "$JAEGER_OTLP_PORT" "$JAEGER_QUERY_PORT" "$JAEGER_QUERY_GRPC_PORT" "$JAEGER_HEALTH_PORT"
  start_daemon jaeger "$JAEGER_BIN/jaeger" --config "$HACK_DIR/jaeger/config.yaml"
  wait_until jaeger 60 _jaeger_ready
}

jaeger_stop() { stop_daemon jaeger 20; }

jaeger_status() {
  if svc_running jaeger && _jaeger_ready 2>/dev/null; then
    echo "jaeger      up    http://127.0.0.1:$JAEGER_QUERY_PORT (OTLP http://127.0.0.1:$JAEGER_OTLP_PORT)"
  else
    echo "jaeger      down"; return 1
  fi
}

jaeger_env() {
  echo "JAEGER_QUERY_URL=http://127.0.0.1:$JAEGER_QUERY_PORT"
  echo "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$JAEGER_OTLP_PORT"
}
