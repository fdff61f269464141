# Shared settings and helpers of hack/kind. Sourced, never executed.
# Builds on hack/lib/common.sh (log/die, apt_install, ORDERFLOW_CACHE/ORDERFLOW_STATE).
# shellcheck source=../../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../lib/common.sh"

KIND_HACK="$HACK_DIR/kind"
# Pinned versions. Kubernetes comes from hack/controlplane/go.mod (one module for the control
# plane and the node, so both share the module download and the Go build cache).
KIND_VERSION=v0.31.0
COREDNS_VERSION=v1.14.2   # what kubeadm of the pinned Kubernetes deploys
PAUSE_VERSION=3.10.2      # kubeadm's PauseVersion
CRICTL_VERSION=v1.36.0    # cri-tools of the pinned Kubernetes minor
DEBIAN_SUITE=bookworm
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
K8S_VERSION="$(sed -n 's#^[[:space:]]*k8s.io/kubernetes \(v[^ ]*\).*#\1#p' "$HACK_DIR/controlplane/go.mod" | head -1)"
ETCD_VERSION="$(sed -n 's#^[[:space:]]*go.etcd.io/etcd/server/v3 \(v[^ ]*\).*#\1#p' "$HACK_DIR/controlplane/go.mod" | head -1)"

KIND_CACHE="$ORDERFLOW_CACHE/kind"
KIND_STATE="$ORDERFLOW_STATE/kind"
# Kubernetes binaries: the control plane's cache folder, so kube-apiserver, kubectl and etcd
# built for the host stack are reused, and the node's binaries are added beside them.
K8S_BIN="$ORDERFLOW_CACHE/controlplane/$K8S_VERSION/bin"
# Every cold build step appends "part seconds" here; hack/kind/measure prints it.
KIND_TIMES="$KIND_CACHE/build-times.txt"
mkdir -p "$KIND_CACHE" "$KIND_STATE"

CLUSTER_NAME="${KIND_CLUSTER_NAME:-orderflow}"
KIND_CONTEXT="kind-$CLUSTER_NAME"
KIND_KUBECONFIG="$KIND_STATE/kubeconfig"
BASE_IMAGE_DEBIAN="orderflow.local/debian:$DEBIAN_SUITE"

# Debian's Docker client: the pre-installed /usr/local/bin/docker of these machines has no
# BuildKit builder (DOCKER=... to use another client).
DOCKER="${DOCKER:-/usr/bin/docker}"
export DOCKER_BUILDKIT=1

# record_time PART SECONDS: remember how long a cold build step took (for hack/kind/measure).
record_time() {
  printf '%s %s %ss\n' "$(date -u +%FT%TZ)" "$1" "$2" >>"$KIND_TIMES"
  log "$1: ${2}s"
}

# timed PART CMD...: run CMD and record its duration under PART.
timed() {
  local part="$1" t0=$SECONDS; shift
  "$@"
  record_time "$part" "$((SECONDS - t0))"
}

# content_key FILE_OR_DIR...: a short hash of the content (a cache key that changes with it).
content_key() {
  local p
  for p in "$@"; do
    if [[ -d $p ]]; then (cd "$p" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); else sha256sum "$p"; fi
  done | sha256sum | cut -c1-12
}
