# Debian root filesystems from debootstrap, imported as Docker images (no registry needed).
# Sourced by hack/kind/kind after lib/common.sh and lib/docker.sh.

# The base of the Node and infrastructure images: minbase plus these.
DEBIAN_BASE_PACKAGES=ca-certificates,tini

# Packages of the kind node: systemd as PID 1, the container runtime and the networking tools
# kubelet, kube-proxy and CNI use (the list of kind's own base image, from Debian).
NODE_ROOTFS_PACKAGES=systemd,systemd-sysv,dbus,conntrack,iptables,nftables,iproute2,ethtool,util-linux,mount,kmod,libseccomp2,pigz,ca-certificates,curl,jq,procps,containerd,runc,containernetworking-plugins,socat,libcap2-bin

# What a runtime image never needs: package caches, documentation, translations.
_rootfs_slim() {
  local dir="$1"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* \
    "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/var/log/*.log
  find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
}

# rootfs_tarball NAME INCLUDE: a cached tarball of `debootstrap --variant=minbase` with the
# extra packages INCLUDE (comma separated); keyed by suite and package list.
rootfs_tarball() {
  local name="$1" include="$2" key tar dir
  key="$(printf '%s %s %s' "$DEBIAN_SUITE" "$include" "$(declare -f _rootfs_slim)" | sha256sum | cut -c1-12)"
  tar="$KIND_CACHE/rootfs/$name-$DEBIAN_SUITE-$key.tar"
  mkdir -p "$KIND_CACHE/rootfs"
  # One debootstrap per tarball: a second caller (rootfs_prefetch running ahead) waits for it.
  local lock
  exec {lock}>"$tar.lock"
  flock "$lock"
  if [[ ! -s $tar ]]; then
    require_cmd debootstrap "apt-get install debootstrap"
    dir="$(mktemp -d "$KIND_CACHE/rootfs/.$name.XXXXXX")"
    log "debootstrap $name ($DEBIAN_SUITE${include:+ + $include})"
    local t0=$SECONDS
    debootstrap --variant=minbase ${include:+--include="$include"} "$DEBIAN_SUITE" "$dir" "$DEBIAN_MIRROR" \
      >"$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; rm -rf "$dir"; die "debootstrap of $name failed (log above)"; }
    _rootfs_slim "$dir"
    tar -C "$dir" --numeric-owner -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$dir" "$dir.log"
    record_time "debootstrap-$name" "$((SECONDS - t0))"
  fi
  exec {lock}>&-
  printf '%s' "$tar"
}

# rootfs_prefetch: both root filesystems, meant to run in the background on a cold cache, so the
# debootstraps (network and disk) overlap the Go builds (CPU) instead of following them.
rootfs_prefetch() {
  rootfs_tarball node "$NODE_ROOTFS_PACKAGES" >/dev/null
  rootfs_tarball debian "$DEBIAN_BASE_PACKAGES" >/dev/null
}

# rootfs_image IMAGE NAME INCLUDE: the tarball imported as IMAGE, unless IMAGE already holds it.
rootfs_image() {
  local image="$1" tar key
  tar="$(rootfs_tarball "$2" "$3")"
  # An imported tarball has no configuration: give it Debian's PATH (a process started by
  # name, as kubeadm's static Pods are, is looked up there).
  local path_env=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  key="$(basename "$tar" .tar)+path"
  if [[ "$("$DOCKER" image inspect -f '{{index .Config.Labels "dev.orderflow.rootfs"}}' "$image" 2>/dev/null)" != "$key" ]]; then
    "$DOCKER" import --change "LABEL dev.orderflow.rootfs=$key" --change "ENV PATH=$path_env" --change 'CMD ["/bin/bash"]' "$tar" "$image" >/dev/null
    log "imported $image from $(basename "$tar")"
  fi
}
