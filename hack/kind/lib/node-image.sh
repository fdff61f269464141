# The kind node image, built here (no kindest/node can be pulled): see hack/kind/node/Dockerfile.
# Sourced by hack/kind/kind after common, docker, rootfs and tools.

NODE_IMAGE_REPO=orderflow.local/kind-node
# Kubernetes binaries of the node; the control plane's cache folder already holds some of them.
NODE_BINARIES=(kubelet kubeadm kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy etcd)

node_binaries() {
  local t0=$SECONDS missing=0 b
  for b in "${NODE_BINARIES[@]}"; do
    [[ -x $K8S_BIN/$b && -f $K8S_BIN/.$b.version ]] || missing=1
  done
  ((missing)) || return 0
  "$HACK_DIR/controlplane/build.sh" "$K8S_BIN" "${NODE_BINARIES[@]}" || die "building the Kubernetes node binaries failed"
  record_time "go-kubernetes-node-binaries" "$((SECONDS - t0))"
}

# The images kubeadm deploys, named as it names them (kubeadm config images list).
_component_images() {
  local k="registry.k8s.io"
  printf '%s\n' \
    "kube-apiserver|$k/kube-apiserver:$K8S_VERSION|debian|$K8S_BIN/kube-apiserver" \
    "kube-controller-manager|$k/kube-controller-manager:$K8S_VERSION|debian|$K8S_BIN/kube-controller-manager" \
    "kube-scheduler|$k/kube-scheduler:$K8S_VERSION|debian|$K8S_BIN/kube-scheduler" \
    "kube-proxy|$k/kube-proxy:$K8S_VERSION|node|$K8S_BIN/kube-proxy" \
    "etcd|$k/etcd:${ETCD_VERSION#v}-0|debian|$K8S_BIN/etcd" \
    "coredns|$k/coredns/coredns:$COREDNS_VERSION|debian|$(coredns_bin)" \
    "pause|$k/pause:$PAUSE_VERSION|scratch|$(pause_bin)"
}

# Each component image FROM the local Debian base (kube-proxy: the node's root filesystem, for
# iptables and conntrack; pause: nothing but the static binary). Prints the image names.
_build_component_images() {
  local line name image base bin ctx
  while IFS='|' read -r name image base bin; do
    ctx="$KIND_STATE/component-context/$name"; rm -rf "$ctx"; mkdir -p "$ctx"
    cp "$bin" "$ctx/$name"
    case $base in
      debian) base="$BASE_IMAGE_DEBIAN" ;;
      node) base="$NODE_ROOTFS_IMAGE" ;;
    esac
    local args=("BASE_IMAGE=$base" "BINARY=$name")
    # CoreDNS and pause run as /coredns and /pause (the Deployment and containerd call them so).
    case $name in coredns|pause) args+=(DEST=/) ;; esac
    build_image "$image" "$KIND_HACK/node/component.Dockerfile" "$ctx" "${args[@]}"
    case $name in
      coredns) "$DOCKER" build -q -t "$image" - >/dev/null <<<"FROM $image
ENTRYPOINT [\"/coredns\"]" ;;
      pause) "$DOCKER" build -q -t "$image" - >/dev/null <<<"FROM $image
ENTRYPOINT [\"/pause\"]" ;;
    esac
    printf '%s\n' "$image"
  done < <(_component_images)
}

NODE_ROOTFS_IMAGE="orderflow.local/kind-node-rootfs:$DEBIAN_SUITE"

# node_image: prints the node image's name, building it when its inputs changed. The tag is a
# hash of every input (root filesystem, binaries' versions, tools' versions, node files).
node_image() {
  # kind publishes node images for the Kubernetes releases of each kind release: KIND_NODE_IMAGE
  # picks one when the pinned version has none.
  if [[ ${KIND_IMAGES:-local} == official ]]; then printf '%s' "${KIND_NODE_IMAGE:-kindest/node:$K8S_VERSION}"; return 0; fi
  local key tag
  key="$(printf '%s\n' "$K8S_VERSION" "$ETCD_VERSION" "$COREDNS_VERSION" "$PAUSE_VERSION" "$CRICTL_VERSION" \
        "$KIND_VERSION" "$NODE_ROOTFS_PACKAGES" "$(content_key "$KIND_HACK/node")" "$(declare -f _component_images _build_component_images)" \
        | sha256sum | cut -c1-12)"
  tag="$NODE_IMAGE_REPO:$K8S_VERSION-$key"
  if "$DOCKER" image inspect "$tag" >/dev/null 2>&1; then printf '%s' "$tag"; return 0; fi
  local t0=$SECONDS
  node_binaries
  rootfs_image "$BASE_IMAGE_DEBIAN" debian "$DEBIAN_BASE_PACKAGES"
  rootfs_image "$NODE_ROOTFS_IMAGE" node "$NODE_ROOTFS_PACKAGES"
  local ctx="$KIND_STATE/node-context"
  rm -rf "$ctx"; mkdir -p "$ctx/bin"
  cp -a "$(kind_base_files)" "$ctx/kind-files"; chmod -R u+w "$ctx/kind-files"
  cp -a "$KIND_HACK/node/files" "$ctx/files"
  cp "$K8S_BIN/kubelet" "$K8S_BIN/kubeadm" "$K8S_BIN/kubectl" "$(crictl_bin)" "$ctx/bin/"
  build_image "$NODE_IMAGE_REPO:stage" "$KIND_HACK/node/Dockerfile" "$ctx" \
    "ROOTFS_IMAGE=$NODE_ROOTFS_IMAGE" "K8S_VERSION=$K8S_VERSION" "PAUSE_VERSION=$PAUSE_VERSION"
  local images; mapfile -t images < <(_build_component_images)
  _preload_images "$NODE_IMAGE_REPO:stage" "$tag" "${images[@]}"
  rm -rf "$ctx" "$KIND_STATE/component-context"
  record_time "node-image" "$((SECONDS - t0))"
  printf '%s' "$tag"
}

# _preload_images STAGE_IMAGE TAG IMAGE...: import IMAGEs into the containerd of a container of
# STAGE_IMAGE (as kind's own node-image build does), then commit it as TAG.
_preload_images() {
  local stage="$1" tag="$2"; shift 2
  local c=orderflow-node-build  # fixed: a run that died leaves it for the next to remove
  "$DOCKER" rm -f "$c" >/dev/null 2>&1 || true
  "$DOCKER" run -d --name "$c" --privileged --security-opt seccomp=unconfined --entrypoint sleep "$stage" infinity >/dev/null
  # One shell runs containerd, imports, then stops it and waits: nothing is left unreaped
  # (the container's PID 1 is sleep, which reaps no one).
  "$DOCKER" save "$@" | "$DOCKER" exec -i "$c" bash -c 'set -e
    containerd >/var/log/containerd-build.log 2>&1 & pid=$!
    for i in $(seq 1 100); do ctr version >/dev/null 2>&1 && break; sleep 0.2; done
    ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned --all-platforms --no-unpack --digests - >/dev/null
    kill "$pid"; wait "$pid" || true; rm -f /var/log/containerd-build.log' \
    || die "importing the component images into the node failed"
  "$DOCKER" commit --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' --change 'CMD []' \
    "$c" "$tag" >/dev/null
  "$DOCKER" rm -f "$c" >/dev/null
}
