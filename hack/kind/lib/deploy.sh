# Secrets, the development infrastructure (charts/orderflow-dev-infra) and the platform
# (charts/orderflow as a Helm release) on the kind cluster. Sourced by hack/kind/kind and
# hack/kind/dev.

MANIFESTS="$REPO_DIR/manifests/kind"

_random() { head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "${1:-32}"; }
# A KRaft cluster id: 16 random bytes, base64url without padding.
_kafka_cluster_id() { head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }

_secret_value() { kubectl_kind get secret -n "$1" "$2" -o "jsonpath={.data.$3}" 2>/dev/null | base64 -d; }

# The platform's release on the cluster: charts/orderflow, its values for kind in
# charts/orderflow/ci/dev-values.yaml + kind-values.yaml (test/kind reads these names from
# `hack/kind/kind env`).
KIND_RELEASE=orderflow
KIND_NAMESPACE=orderflow
ORDERFLOW_CHART="$REPO_DIR/charts/orderflow"
# The release's fullname (charts/orderflow _helpers.tpl "orderflow.fullname"): the Services'
# prefix. The default pipeline of the values is "checkout".
KIND_FULLNAME="$KIND_RELEASE"; [[ $KIND_RELEASE == *orderflow* ]] || KIND_FULLNAME="$KIND_RELEASE-orderflow"
KIND_PIPELINE=checkout

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
  connections_secret "$KIND_NAMESPACE"
}

# connections_secret NAMESPACE: the Secret orderflow-connections that charts/orderflow's dev
# values read, with the keys charts/orderflow-dev-infra's connections.yaml writes (database-url,
# rabbitmq-url, rabbitmq-username, rabbitmq-password, redis-url, opensearch-url/-username/-password, the apps' admin tokens), from
# the infrastructure's credentials. Admin tokens already in the Secret are kept. Applied every
# time: a Secret of an older hack/kind that lacks a key gets it.
connections_secret() {
  local ns="$1" pg rmq redis os key token tokens=()
  pg="$(_secret_value orderflow-infra credentials postgres-password)"
  rmq="$(_secret_value orderflow-infra credentials rabbitmq-password)"
  redis="$(_secret_value orderflow-infra credentials redis-password)"
  os="$(_secret_value orderflow-infra credentials opensearch-password)"
  for key in worker-admin-token provider-admin-token orders-admin-token; do
    token="$(_secret_value "$ns" orderflow-connections "$key" || true)"
    tokens+=(--from-literal="$key=${token:-$(_random)}")
  done
  kubectl_kind create secret generic -n "$ns" orderflow-connections \
    --from-literal=database-url="postgres://orderflow:$pg@postgres.orderflow-infra.svc:5432/orders" \
    --from-literal=rabbitmq-url="amqp://orderflow:$rmq@rabbitmq.orderflow-infra.svc:5672" \
    --from-literal=rabbitmq-username=orderflow --from-literal=rabbitmq-password="$rmq" \
    --from-literal=redis-url="redis://:$redis@redis.orderflow-infra.svc:6379" \
    --from-literal=opensearch-url="http://opensearch.orderflow-infra.svc:9200" \
    --from-literal=opensearch-username=admin --from-literal=opensearch-password="$os" \
    "${tokens[@]}" --dry-run=client -o yaml | kubectl_kind apply -f - >/dev/null
}

# The scrape targets of the release's apps, for the infrastructure's Prometheus: the chart's
# Services (order-api and payment-provider on port 80, the operator on 8090) and the headless
# Service the operator makes for the pipeline's payment-worker (the consumer port, 8080).
INFRA_SCRAPE_TARGETS="[\"$KIND_FULLNAME-order-api.$KIND_NAMESPACE.svc:80\",\"$KIND_PIPELINE-payment-worker.$KIND_NAMESPACE.svc:8080\",\"$KIND_FULLNAME-payment-provider.$KIND_NAMESPACE.svc:80\",\"$KIND_FULLNAME-operator.$KIND_NAMESPACE.svc:8090\"]"

# helm_path: HELM set to the local control plane's helm (hack/stack env; its tool cache).
helm_path() {
  [[ -x ${HELM:-} ]] || HELM="$(bash "$HACK_DIR/stack" env 2>/dev/null | sed -n 's/^HELM=//p')"
  [[ -x $HELM ]] || die "helm not found (HELM from hack/stack env): run hack/stack up"
}
infra_helm() { helm_path; "$HELM" "$@"; }
# kind_helm: helm against the kind cluster.
kind_helm() { helm_path; "$HELM" --kubeconfig "$KIND_KUBECONFIG" --kube-context "$KIND_CONTEXT" "$@"; }

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

# chart_image_args PREFIX: CHART_IMAGE_ARGS set to `--set-string <app>.image.tag=<tag>` for each
# app of APPS, from the variables PREFIX_<APP> that hold its built image (app_images sets
# IMAGE_ORDER_API=orderflow.local/order-api:<tag>, ...). An app's values in charts/orderflow are
# its name in camelCase; payment-worker is the default pipeline's consumer. --set-string: a
# content tag of only digits would otherwise be a number, which the chart's schema refuses.
chart_image_args() {
  local prefix="$1" name var key
  CHART_IMAGE_ARGS=()
  for name in "${APPS[@]}"; do
    var="${prefix}_${name^^}"; var="${var//-/_}"
    [[ -n ${!var:-} ]] || die "no image built for $name (\$$var)"
    case "$name" in
      payment-worker) key=pipeline.paymentWorker ;;
      *) key="$(sed -E 's/-([a-z])/\U\1/g' <<<"$name")" ;;
    esac
    CHART_IMAGE_ARGS+=(--set-string "$key.image.tag=${!var##*:}")
  done
}

# chart_upgrade RELEASE NAMESPACE PREFIX [HELM_ARG...]: `helm upgrade --install` of
# charts/orderflow with the dev values, the images of PREFIX_<APP> (chart_image_args) and the
# extra arguments; waits for the release's workloads (a Deployment whose tag changed rolls,
# the others stay). The CRD is the cluster's (crd_apply): every release on it leaves it alone.
# Shared by hack/kind/kind (the platform's release) and hack/kind/dev (a dev release).
chart_upgrade() {
  local release="$1" ns="$2" prefix="$3" logf t0=$SECONDS
  shift 3
  chart_image_args "$prefix"
  logf="$KIND_STATE/helm-$ns-$release.log"
  kind_helm upgrade --install "$release" "$ORDERFLOW_CHART" --namespace "$ns" \
    -f "$ORDERFLOW_CHART/ci/dev-values.yaml" --set crds.install=false "${CHART_IMAGE_ARGS[@]}" "$@" \
    --wait --timeout 300s >"$logf" 2>&1 \
    || { cat "$logf" >&2; die "helm upgrade --install $release (namespace $ns) failed"; }
  log "helm upgrade $release: the release's workloads rolled out in $((SECONDS - t0))s"
}

# crd_apply: the OrderPipeline CRD of manifests/crds, server-side. The cluster's, not a release's:
# the platform's release, hack/kind/dev's and the chart test's all use it, none owns it (Helm
# refuses an object another release owns), and `helm uninstall` of any of them leaves it.
crd_apply() {
  kubectl_kind apply --server-side --force-conflicts --field-manager=orderflow-dev -f "$REPO_DIR/manifests/crds/" >/dev/null
  kubectl_kind wait --for=condition=Established crd/orderpipelines.orderflow.dev --timeout=60s >/dev/null
}

# pipeline_rolled_out NAMESPACE PIPELINE: the operator has reconciled the pipeline's current
# generation with its consumers ready, and their Deployments have rolled out. They are the
# operator's objects, not the release's, so `helm --wait` does not wait for them.
pipeline_rolled_out() {
  local ns="$1" name="$2" deadline=$((SECONDS + 300)) state d
  while :; do
    state="$(kubectl_kind get orderpipeline -n "$ns" "$name" -o json 2>/dev/null | jq -r \
      '"\(.metadata.generation == .status.observedGeneration) \((.status.conditions // []) | map(select(.type == "ConsumersReady")) | .[0].status // "none")"')" || state=""
    [[ $state == "true True" ]] && break
    ((SECONDS < deadline)) || die "pipeline $ns/$name: consumers not ready after 300s ($state): kubectl -n $ns describe orderpipeline $name"
    sleep 2
  done
  for d in $(kubectl_kind get deployment -n "$ns" -l "orderflow.dev/pipeline=$name" -o name); do
    kubectl_kind rollout status -n "$ns" "$d" --timeout=300s >/dev/null || die "$ns/${d#*/} did not roll out"
  done
}

# external_metrics_claim: the cluster's one external metrics APIService belongs to the platform's
# release (its operator serves the consumers' HPAs; hack/kind/dev and the chart test install
# without it). One left by another release or by hand (an interrupted test, an older hack/kind)
# is removed first: Helm would refuse to adopt it.
external_metrics_claim() {
  local owner
  owner="$(kubectl_kind get apiservice v1beta1.external.metrics.k8s.io --ignore-not-found \
    -o 'jsonpath={.metadata.annotations.meta\.helm\.sh/release-namespace}/{.metadata.annotations.meta\.helm\.sh/release-name}')"
  [[ -z $owner || $owner == "$KIND_NAMESPACE/$KIND_RELEASE" ]] && return 0
  warn "the external metrics APIService was '${owner}''s: release $KIND_NAMESPACE/$KIND_RELEASE takes it over"
  kubectl_kind delete apiservice v1beta1.external.metrics.k8s.io >/dev/null
}

# legacy_apps_remove: a cluster made before the chart ran the platform has the plain manifests
# of the apps (in orderflow) and of the operator (orderflow-system, a ClusterRole): removed
# before the release installs, so no second worker takes the payments queue's messages and no
# second operator runs. A no-op on any other cluster.
legacy_apps_remove() {
  kubectl_kind get namespace orderflow-system >/dev/null 2>&1 \
    || kubectl_kind get deployment -n "$KIND_NAMESPACE" order-api >/dev/null 2>&1 || return 0
  log "removing the plain app manifests of an older hack/kind (the release replaces them)"
  local name objs=(job/kafka-topics)
  for name in order-api payment-worker payment-provider catalog-api dashboard stream-aggregator; do
    objs+=("deployment/$name" "service/$name")
  done
  kubectl_kind delete -n "$KIND_NAMESPACE" --ignore-not-found --wait=true "${objs[@]}" >/dev/null
  kubectl_kind delete clusterrolebinding,clusterrole orderflow-operator --ignore-not-found >/dev/null
  kubectl_kind delete namespace orderflow-system --ignore-not-found --wait=true --timeout=120s >/dev/null
}

# platform_deploy: charts/orderflow as the release orderflow in the namespace orderflow, with the
# apps' images just built (new content tags roll what changed), its pipeline's consumers rolled out.
platform_deploy() {
  local t0=$SECONDS
  crd_apply
  legacy_apps_remove
  external_metrics_claim
  chart_upgrade "$KIND_RELEASE" "$KIND_NAMESPACE" IMAGE -f "$ORDERFLOW_CHART/ci/kind-values.yaml"
  pipeline_rolled_out "$KIND_NAMESPACE" "$KIND_PIPELINE"
  log "platform: release $KIND_RELEASE installed and rolled out ($((SECONDS - t0))s)"
}
