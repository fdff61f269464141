#!/usr/bin/env bash
# Builds the control-plane binaries from the Go modules pinned in this folder:
#   go.mod       k8s.io/kubernetes (kube-apiserver, kube-controller-manager, kubectl)
#                and go.etcd.io/etcd/server/v3 (etcd, the version that release uses)
#   helm/go.mod  helm.sh/helm (its own module: it pins a different client-go)
#
#   hack/controlplane/build.sh OUT_DIR [BINARY...]
#
# Without BINARY: the control plane (kube-apiserver, kube-controller-manager, kubectl, etcd,
# helm). With BINARY names: just those, which may also be the node's kubelet, kubeadm,
# kube-proxy and kube-scheduler (hack/kind builds its node image from them). One go.mod for
# all, so the node shares the control plane's module download and Go build cache.
#
# Each binary is built only when OUT_DIR lacks it or its version stamp differs, so an up-to-date
# OUT_DIR costs nothing. Per-binary build times go to OUT_DIR/build-times.txt.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: build.sh OUT_DIR [BINARY...]}"
shift
mkdir -p "$out"

command -v go >/dev/null || { echo "build.sh: Go is required (go.mod says $(sed -n 's/^go //p' "$HERE/go.mod"))" >&2; exit 1; }

modver() { (cd "$1" && go list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' "$2"); }

k8s_version="$(modver "$HERE" k8s.io/kubernetes)"
etcd_version="$(modver "$HERE" go.etcd.io/etcd/server/v3)"
helm_version="$(modver "$HERE/helm" helm.sh/helm/v3)"

# Release builds strip symbols (hack/lib/golang.sh) and set the version variables
# (hack/lib/version.sh). A module zip carries no commit, so the tree state is "archive",
# as for a build from a source tarball.
k8s_ldflags() {
  local major minor key val flags="-s -w"
  major="${k8s_version#v}"; major="${major%%.*}"
  minor="${k8s_version#v*.}"; minor="${minor%%.*}"
  for kv in "gitVersion=$k8s_version" "gitMajor=$major" "gitMinor=$minor" \
            "gitTreeState=archive" "gitCommit=" "buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"; do
    key="${kv%%=*}"; val="${kv#*=}"
    flags+=" -X 'k8s.io/client-go/pkg/version.$key=$val' -X 'k8s.io/component-base/version.$key=$val'"
  done
  printf '%s' "$flags"
}

# Helm's Makefile: version, git state, and the Kubernetes version its client library targets
# (what `.Capabilities.KubeVersion` falls back to when offline).
helm_ldflags() {
  local kv major minor
  kv="$(modver "$HERE/helm" k8s.io/client-go)"   # v0.MINOR.PATCH
  minor="$(cut -d. -f2 <<<"$kv")"; major=1
  printf '%s' "-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version \
-X helm.sh/helm/v3/internal/version.gitTreeState=archive \
-X helm.sh/helm/v3/internal/version.gitCommit= \
-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$major \
-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor \
-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$major \
-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor"
}

# build NAME VERSION MODULE_DIR PACKAGE LDFLAGS
build() {
  local name="$1" version="$2" dir="$3" pkg="$4" ldflags="$5" stamp="$out/.$1.version"
  if [[ -x "$out/$name" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then
    return 0
  fi
  echo "[build] $name $version ($pkg)" >&2
  local t0=$SECONDS
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/$name.tmp" "$pkg")
  mv "$out/$name.tmp" "$out/$name"
  printf '%s' "$version" >"$stamp"
  printf '%s %s %ss\n' "$name" "$version" "$((SECONDS - t0))" | tee -a "$out/build-times.txt" >&2
}

# build_named NAME: one binary by name, from the module that pins it.
build_named() {
  case "$1" in
    kube-apiserver|kube-controller-manager|kubectl|kubelet|kubeadm|kube-proxy|kube-scheduler)
      build "$1" "$k8s_version" "$HERE" "k8s.io/kubernetes/cmd/$1" "$(k8s_ldflags)" ;;
    etcd) build etcd "$etcd_version" "$HERE" go.etcd.io/etcd/server/v3 "-s -w" ;;
    helm) build helm "$helm_version" "$HERE/helm" helm.sh/helm/v3/cmd/helm "$(helm_ldflags)" ;;
    *) echo "build.sh: unknown binary '$1'" >&2; return 1 ;;
  esac
}

if (($#)); then
  for name in "$@"; do build_named "$name"; done
else
  for name in kube-apiserver kube-controller-manager kubectl etcd helm; do build_named "$name"; done
fi
