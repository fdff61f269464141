# The kind cluster: created from kind-config.yaml with the node image (built here or the
# official one), reused when it exists. Sourced by hack/kind/kind.

KUBECTL="$K8S_BIN/kubectl"
# kind calls `docker` from PATH: Debian's client, not the pre-installed one (see common.sh).
_kind() { PATH="$KIND_CACHE/bin/docker-client:$PATH" "$(kind_bin)" "$@"; }
kubectl_kind() { "$KUBECTL" --kubeconfig "$KIND_KUBECONFIG" --context "$KIND_CONTEXT" "$@"; }

cluster_exists() { _kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; }

cluster_up() {
  mkdir -p "$KIND_CACHE/bin/docker-client"; ln -sfn "$DOCKER" "$KIND_CACHE/bin/docker-client/docker"
  local image; image="$(node_image)"
  if cluster_exists; then
    # A stopped node (the machine restarted) is started again; kind keeps its state in /var.
    "$DOCKER" start "$CLUSTER_NAME-control-plane" >/dev/null 2>&1 || true
    local have; have="$("$DOCKER" inspect -f '{{.Config.Image}}' "$CLUSTER_NAME-control-plane" 2>/dev/null || true)"
    [[ $have == "$image" ]] || warn "cluster $CLUSTER_NAME runs node image $have, not $image: 'hack/kind/kind down' then up to move to it"
  else
    local t0=$SECONDS config="$REPO_DIR/kind-config.yaml"
    if [[ ${KIND_IMAGES:-local} == official ]]; then
      # kindest/node brings kind's own CNI (kindnet); the bridge configuration is our node's.
      config="$KIND_STATE/kind-config.official.yaml"
      sed '/disableDefaultCNI/d' "$REPO_DIR/kind-config.yaml" >"$config"
    fi
    _kind create cluster --name "$CLUSTER_NAME" --config "$config" --image "$image" \
      --kubeconfig "$KIND_KUBECONFIG" --wait 180s || die "kind create cluster failed"
    record_time "cluster-create" "$((SECONDS - t0))"
  fi
  _kind export kubeconfig --name "$CLUSTER_NAME" --kubeconfig "$KIND_KUBECONFIG" >/dev/null 2>&1
  kubectl_kind wait --for=condition=Ready node --all --timeout=180s >/dev/null || die "the kind node is not Ready"
}

cluster_delete() {
  if cluster_exists; then _kind delete cluster --name "$CLUSTER_NAME" --kubeconfig "$KIND_KUBECONFIG"; fi
  rm -f "$KIND_KUBECONFIG"
  # kind's Docker network (its bridge), so the host's links are as before.
  if "$DOCKER" network inspect kind >/dev/null 2>&1 && [[ -z "$("$DOCKER" network inspect -f '{{range .Containers}}x{{end}}' kind)" ]]; then
    "$DOCKER" network rm kind >/dev/null
  fi
}

# load_images IMAGE...: into the node, in one `kind load` (one archive, shared base layers
# written once), only those the node lacks. Tags are content ids, so a name the node has is
# the same image.
load_images() {
  local have want=() img
  have="$("$DOCKER" exec "$CLUSTER_NAME-control-plane" ctr --namespace=k8s.io images list -q 2>/dev/null || true)"
  for img in "$@"; do
    grep -qxF "docker.io/$img" <<<"$have" || grep -qxF "$img" <<<"$have" || want+=("$img")
  done
  ((${#want[@]})) || return 0
  local t0=$SECONDS
  _kind load docker-image --name "$CLUSTER_NAME" "${want[@]}" >"$KIND_STATE/load.log" 2>&1 \
    || { cat "$KIND_STATE/load.log" >&2; die "kind load docker-image ${want[*]} failed"; }
  log "loaded into the node: ${want[*]##*/} ($((SECONDS - t0))s)"
}
