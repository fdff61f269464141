# Tools built from their Go modules, cached by version: kind itself, CoreDNS (an image kubeadm
# deploys) and the static pause binary (every Pod's sandbox). Sourced by hack/kind/kind.

# go_install_cached NAME MODULE@VERSION PACKAGE: `go install` into a folder keyed by version.
go_install_cached() {
  local name="$1" modver="$2" pkg="$3" dir
  dir="$KIND_CACHE/bin/${modver##*@}"
  if [[ ! -x "$dir/$name" ]]; then
    require_cmd go "Go builds $name from $modver (https://go.dev/dl)"
    log "building $name $modver"
    local t0=$SECONDS
    GOBIN="$dir" CGO_ENABLED=0 GOFLAGS=-trimpath go install -ldflags "-s -w" "$pkg@${modver##*@}" \
      || die "go install $pkg@${modver##*@} failed"
    record_time "go-$name" "$((SECONDS - t0))"
  fi
  printf '%s' "$dir/$name"
}

kind_bin() { go_install_cached kind "sigs.k8s.io/kind@$KIND_VERSION" sigs.k8s.io/kind; }
coredns_bin() { go_install_cached coredns "github.com/coredns/coredns@$COREDNS_VERSION" github.com/coredns/coredns; }

# The module's source folder (downloaded into the Go module cache when missing).
go_module_dir() { (cd /tmp && go mod download -json "$1" | jq -r .Dir); }

# kind's own node files (entrypoint, systemd units, containerd config) from its module.
kind_base_files() { printf '%s/images/base/files' "$(go_module_dir "sigs.k8s.io/kind@$KIND_VERSION")"; }

# pause: Kubernetes' build/pause/linux/pause.c, compiled static (the sandbox process of each Pod).
pause_bin() {
  local dir="$KIND_CACHE/bin/pause-$PAUSE_VERSION" src
  if [[ ! -x "$dir/pause" ]]; then
    require_cmd gcc "apt-get install gcc libc6-dev"
    src="$(go_module_dir "k8s.io/kubernetes@$K8S_VERSION")/build/pause/linux/pause.c"
    [[ -f $src ]] || die "pause.c not found in the k8s.io/kubernetes module ($src)"
    mkdir -p "$dir"
    gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION-orderflow" -o "$dir/pause.tmp" "$src"
    strip "$dir/pause.tmp"; mv "$dir/pause.tmp" "$dir/pause"
  fi
  printf '%s' "$dir/pause"
}

# crictl: kind asks the node's CRI with it (whether an image is already loaded, logs).
crictl_bin() { go_install_cached crictl "sigs.k8s.io/cri-tools@$CRICTL_VERSION" sigs.k8s.io/cri-tools/cmd/crictl; }
