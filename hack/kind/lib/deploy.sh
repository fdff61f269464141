# Secrets, the development infrastructure and the apps on the kind cluster (manifests/kind).
# Sourced by hack/kind/kind.

MANIFESTS="$REPO_DIR/manifests/kind"

_random() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "${1:-32}"; }
# A KRaft cluster id: 16 random bytes, base64url without padding.
_kafka_cluster_id() { head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }

_secret_value() { kubectl_kind get secret -n "$1" "$2" -o "jsonpath={.data.$3}" 2>/dev/null | base64 -d; }

# Credentials are generated once per cluster and kept in Secrets (never a default password).
ensure_secrets() {
  kubectl_kind apply -f "$MANIFESTS/namespaces.yaml" >/dev/null
  if ! kubectl_kind get secret -n orderflow-infra credentials >/dev/null 2>&1; then
    kubectl_kind create secret generic -n orderflow-infra credentials \
      --from-literal=postgres-password="$(_random)" --from-literal=redis-password="$(_random)" \
      --from-literal=rabbitmq-password="$(_random)" --from-literal=rabbitmq-erlang-cookie="$(_random 40)" \
      --from-literal=kafka-cluster-id="$(_kafka_cluster_id)" >/dev/null
  fi
  # OpenSearch's admin password, added to a Secret made before OpenSearch was part of it.
  [[ -n "$(_secret_value orderflow-infra credentials opensearch-password)" ]] \
    || kubectl_kind patch secret -n orderflow-infra credentials --type merge \
      -p "{\"stringData\":{\"opensearch-password\":\"$(_random)\"}}" >/dev/null
  local pg rmq redis
  pg="$(_secret_value orderflow-infra credentials postgres-password)"
  rmq="$(_secret_value orderflow-infra credentials rabbitmq-password)"
  redis="$(_secret_value orderflow-infra credentials redis-password)"
  if ! kubectl_kind get secret -n orderflow orderflow-connections >/dev/null 2>&1; then
    kubectl_kind create secret generic -n orderflow orderflow-connections \
      --from-literal=database-url="postgres://orderflow:$pg@postgres.orderflow-infra.svc:5432/orders" \
      --from-literal=rabbitmq-url="amqp://orderflow:$rmq@rabbitmq.orderflow-infra.svc:5672" \
      --from-literal=redis-url="redis://:$redis@redis.orderflow-infra.svc:6379" \
      --from-literal=worker-admin-token="$(_random)" --from-literal=provider-admin-token="$(_random)" >/dev/null
  fi
  if ! kubectl_kind get secret -n orderflow-system orderflow-operator >/dev/null 2>&1; then
    kubectl_kind create secret generic -n orderflow-system orderflow-operator \
      --from-literal=rabbitmq-password="$rmq" >/dev/null
  fi
}

# apply_with_images FILE...: the manifests with ${IMAGE_<NAME>} set from the IMAGE_* variables.
apply_with_images() {
  local f
  for f in "$@"; do
    perl -pe 's/\$\{(IMAGE_[A-Z_]+)\}/exists $ENV{$1} ? $ENV{$1} : die "unset $1\n"/ge' "$f"
    echo '---'
  done | kubectl_kind apply -f - >/dev/null
}

# The scrape targets of the apps hack/kind deploys (manifests/kind/apps), for its Prometheus.
INFRA_SCRAPE_TARGETS='["order-api.orderflow.svc:8080","payment-worker.orderflow.svc:8081","payment-provider.orderflow.svc:8082","orderflow-operator-metrics.orderflow-system.svc:8090"]'

# infra_helm: helm of the local control plane's tool cache (hack/stack env).
infra_helm() {
  local helm
  helm="$(bash "$REPO_DIR/hack/stack" env | sed -n 's/^HELM=//p')"
  [[ -x $helm ]] || die "helm not found (HELM from hack/stack env)"
  "$helm" "$@"
}

# infra_start: the infrastructure's images built and loaded, its StatefulSets applied. One
# source: the chart charts/orderflow-dev-infra, rendered with the Secret ensure_secrets made
# and the NodePorts of kind-config.yaml (test/kind/chart-e2e.test.ts installs the same chart as
# a release).
infra_start() {
  local name var images=() sets=()
  for name in "${INFRA[@]}"; do
    var="IMAGE_${name^^}"
    export "$var=$(infra_image "$name")"
    images+=("${!var}")
    sets+=(--set "images.$name=${!var}")
  done
  load_images "${images[@]}"
  infra_helm template orderflow-dev-infra "$REPO_DIR/charts/orderflow-dev-infra" --namespace orderflow-infra \
    "${sets[@]}" --set credentials.create=false --set nodePorts.enabled=true \
    --set-json "prometheus.targets=$INFRA_SCRAPE_TARGETS" | kubectl_kind apply -f - >/dev/null
}

# infra_wait: every infrastructure Pod Ready.
infra_wait() {
  local name t0=$SECONDS
  for name in "${INFRA[@]}"; do
    kubectl_kind rollout status -n orderflow-infra "statefulset/$name" --timeout=300s >/dev/null \
      || die "infrastructure: $name did not become ready (kubectl -n orderflow-infra describe pod $name-0)"
  done
  log "infrastructure ready (waited $((SECONDS - t0))s)"
}

# app_images: the apps' images built (an unchanged app keeps its content tag) and loaded. The
# builds run side by side: BuildKit shares their common stages, and each is mostly waiting.
app_images() {
  local name var t0=$SECONDS images=() dir pids=()
  dir="$(mktemp -d "$KIND_STATE/app-images.XXXXXX")"
  for name in "${APPS[@]}"; do
    (KIND_BUILD_LOG="$dir/$name.log" app_image "$name" >"$dir/$name.tag") & pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || { rm -rf "$dir"; die "building the app images failed"; }; done
  for name in "${APPS[@]}"; do
    var="IMAGE_${name^^}"; var="${var//-/_}"
    export "$var=$(cat "$dir/$name.tag")"
    images+=("${!var}")
  done
  rm -rf "$dir"
  # Earlier content tags of each app (one per reload) would pile up in Docker.
  local img old
  for img in "${images[@]}"; do
    for old in $("$DOCKER" image ls --format '{{.Repository}}:{{.Tag}}' "${img%:*}"); do
      [[ $old == "$img" || $old == "${img%:*}:build" ]] || "$DOCKER" image rm "$old" >/dev/null 2>&1 || true
    done
  done
  log "app images: ${images[*]##*/} (built or found in $((SECONDS - t0))s)"
  load_images "${images[@]}"
}

# apps_deploy: the CRD, the operator's RBAC and the apps' manifests applied (a new image tag
# rolls that Deployment), everything rolled out.
apps_deploy() {
  local name t0=$SECONDS
  kubectl_kind apply --server-side --force-conflicts --field-manager=orderflow-dev -f "$REPO_DIR/manifests/crds/" >/dev/null
  kubectl_kind wait --for=condition=Established crd/orderpipelines.orderflow.dev --timeout=60s >/dev/null
  kubectl_kind apply -f "$REPO_DIR/manifests/rbac/operator.yaml" >/dev/null
  # A Job's Pod template cannot change: the topic Job (stream-aggregator.yaml) is re-created with
  # the current image on every deploy (ensure-topics is idempotent).
  kubectl_kind delete job -n orderflow kafka-topics --ignore-not-found --wait=true >/dev/null
  apply_with_images "$MANIFESTS"/apps/*.yaml
  kubectl_kind rollout status -n orderflow-system deployment/orderflow-operator --timeout=300s >/dev/null || die "the operator did not roll out"
  kubectl_kind wait -n orderflow --for=condition=Complete job/kafka-topics --timeout=300s >/dev/null \
    || die "the Kafka topics were not created (kubectl -n orderflow logs job/kafka-topics)"
  for name in payment-provider order-api payment-worker catalog-api dashboard stream-aggregator; do
    kubectl_kind rollout status -n orderflow "deployment/$name" --timeout=300s >/dev/null || die "$name did not roll out"
  done
  log "apps applied and rolled out ($((SECONDS - t0))s)"
}
