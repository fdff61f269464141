# Prometheus from Debian (promtool comes with it). Evaluates orderflow's alert rules
# (monitoring/alerts/*.rules.yml). Scrapes itself, RabbitMQ's prometheus plugin, and whatever the
# platform registers as file_sd targets in $ORDERFLOW_STATE/prometheus/targets/*.json.
# Each target file names its owner (`<job>-<address>-pid<N>.json`, packages/http
# prometheus-target.ts), whose watcher deletes it when the process ends; start-up also sweeps
# the files of processes that died while no watcher ran (a reboot, a killed session).
PROMETHEUS_PORT=9090

prometheus_install() { apt_install prometheus; }

# Remove target files whose owning process is gone, and the owner-less `<job>-<ip_port>.json`
# files older versions wrote (no pid: nothing removes them, and each is a false `up == 0`).
_prometheus_sweep_targets() {
  local f pid base
  for f in "$1"/*.json; do
    [[ -e $f ]] || continue
    base="${f##*/}"
    if [[ $base == *-pid*.json ]]; then
      pid="${base##*-pid}"; pid="${pid%.json}"
      [[ $pid =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null && [[ ! -d /proc/$pid ]] && rm -f -- "$f"
    elif [[ $base =~ ^[a-z][a-z0-9-]*-[0-9]+_[0-9]+_[0-9]+_[0-9]+_[0-9]+\.json$ ]]; then
      rm -f -- "$f"
    fi
  done
  return 0
}

_prometheus_ready() { http_ok "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"; }

prometheus_start() {
  local dir; dir="$(svc_dir prometheus)"
  mkdir -p "$dir/data" "$dir/targets"
  # Every `up`, not only a cold start: a running Prometheus keeps scraping stale files too.
  _prometheus_sweep_targets "$dir/targets"
  if svc_running prometheus; then return 0; fi
  require_free_port prometheus "$PROMETHEUS_PORT"
  cat >"$dir/prometheus.yml" <<CONF
global:
  scrape_interval: 5s
  evaluation_interval: 5s
# orderflow's alert rules, the same the chart's PrometheusRule carries (docs/runbooks.md).
rule_files: ["$REPO_DIR/monitoring/alerts/*.rules.yml"]
scrape_configs:
  - job_name: prometheus
    static_configs: [ { targets: ["127.0.0.1:$PROMETHEUS_PORT"] } ]
  - job_name: rabbitmq
    static_configs: [ { targets: ["127.0.0.1:${RABBITMQ_PROM_PORT:-15692}"] } ]
  - job_name: orderflow
    file_sd_configs: [ { files: ["$dir/targets/*.json"], refresh_interval: 5s } ]
CONF
  start_daemon prometheus prometheus --config.file="$dir/prometheus.yml" \
    --storage.tsdb.path="$dir/data" --storage.tsdb.retention.time=2d \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle
  wait_until prometheus 60 _prometheus_ready
}

prometheus_stop() { stop_daemon prometheus 30; }

prometheus_status() {
  if svc_running prometheus && _prometheus_ready 2>/dev/null; then
    echo "prometheus  up    http://127.0.0.1:$PROMETHEUS_PORT"
  else
    echo "prometheus  down"; return 1
  fi
}

prometheus_env() {
  echo "PROMETHEUS_URL=http://127.0.0.1:$PROMETHEUS_PORT"
  echo "PROMETHEUS_TARGETS_DIR=$(svc_dir prometheus)/targets"
}
