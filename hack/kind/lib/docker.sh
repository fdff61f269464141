# Docker Engine from Debian's packages, run by the project (no systemd here): containerd, then
# dockerd on containerd's socket. Sourced by hack/kind/kind after lib/common.sh.
#
# The host's network is snapshotted before the engine first starts (iptables and ip6tables
# rules, links, routes, the forwarding sysctls) and put back on `docker_stop`, which then
# compares and reports any difference.

DOCKER_DIR="$KIND_STATE/docker"
DOCKER_SOCK=/var/run/docker.sock
CONTAINERD_SOCK="$DOCKER_DIR/containerd.sock"
DOCKER_PACKAGES=(docker.io containerd runc iptables nftables conntrack ethtool debootstrap jq)
CAP_SYS_RESOURCE_BIT=24

docker_install() {
  local t0=$SECONDS missing=0 p
  for p in "${DOCKER_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing=1
  done
  ((missing)) || return 0
  apt_install "${DOCKER_PACKAGES[@]}"
  record_time "apt-docker" "$((SECONDS - t0))"
}

# True when an engine answers on the socket (ours or one the machine already runs).
docker_up() { "$DOCKER" -H "unix://$DOCKER_SOCK" info >/dev/null 2>&1; }

# The bounding set lacks CAP_SYS_RESOURCE: privileged containers need the runc wrapper.
_host_lacks_sys_resource() {
  local bnd; bnd="$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)"
  (( (16#$bnd >> CAP_SYS_RESOURCE_BIT & 1) == 0 ))
}

# host_network_snapshot FILE: what docker_stop must find again.
host_network_snapshot() {
  {
    echo "## nftables tables"; nft list tables 2>/dev/null | sort || true
    echo "## iptables"; iptables-save 2>/dev/null | grep -vE '^#|^:.*\[[0-9]+:[0-9]+\]$' | sed 's/\[[0-9]*:[0-9]*\]//' || true
    echo "## chain policies"; for t in filter nat mangle raw; do iptables -t "$t" -S 2>/dev/null | grep '^-P' | sed "s/^/$t /"; done
    echo "## ip6tables"; ip6tables-save 2>/dev/null | grep -vE '^#|^:.*\[[0-9]+:[0-9]+\]$' || true
    echo "## links"; ip -o link show | sed -E 's/^[0-9]+: //; s/ state .*//; s/@[^:]*//' | cut -d: -f1 | sort
    echo "## routes"; ip route show | sort
    echo "## sysctl"
    sysctl -n net.ipv4.ip_forward net.ipv6.conf.all.forwarding 2>/dev/null
    cat /proc/sys/net/bridge/bridge-nf-call-iptables /proc/sys/net/bridge/bridge-nf-call-ip6tables 2>/dev/null || true
  } >"$1"
}

docker_start() {
  # An engine the machine already runs (Docker Engine, Docker Desktop) is used as it is.
  if docker_up; then return 0; fi
  docker_install
  mkdir -p "$DOCKER_DIR"
  # The snapshot is taken once, before our first engine, and kept until a clean docker_stop.
  if [[ ! -s "$DOCKER_DIR/host-network.before" ]]; then
    host_network_snapshot "$DOCKER_DIR/host-network.before"
    iptables-save >"$DOCKER_DIR/iptables.before" 2>/dev/null || :
    ip6tables-save >"$DOCKER_DIR/ip6tables.before" 2>/dev/null || :
    nft list tables >"$DOCKER_DIR/nft-tables.before" 2>/dev/null || :
    sysctl -n net.ipv4.ip_forward >"$DOCKER_DIR/ip_forward.before"
    sysctl -n net.ipv6.conf.all.forwarding >"$DOCKER_DIR/ip6_forward.before" 2>/dev/null || :
  fi
  local runtime_args=()
  if _host_lacks_sys_resource; then
    install -D -m 0755 "$KIND_HACK/runc-without-sys-resource" "$KIND_CACHE/bin/runc-without-sys-resource"
    runtime_args=(--add-runtime "runc-nosysres=$KIND_CACHE/bin/runc-without-sys-resource" --default-runtime runc-nosysres)
  fi
  local t0=$SECONDS
  ORDERFLOW_STATE="$KIND_STATE" start_daemon containerd \
    containerd --address "$CONTAINERD_SOCK" --root /var/lib/containerd --state "$DOCKER_DIR/containerd-run"
  ORDERFLOW_STATE="$KIND_STATE" wait_until containerd 30 test -S "$CONTAINERD_SOCK"
  ORDERFLOW_STATE="$KIND_STATE" start_daemon dockerd \
    dockerd --host "unix://$DOCKER_SOCK" --containerd "$CONTAINERD_SOCK" --exec-opt native.cgroupdriver=cgroupfs \
      --storage-driver overlay2 --pidfile "$DOCKER_DIR/dockerd.pid" --exec-root "$DOCKER_DIR/exec" "${runtime_args[@]}"
  ORDERFLOW_STATE="$KIND_STATE" wait_until dockerd 60 docker_up
  log "docker: engine up ($((SECONDS - t0))s; containerd pid $(cat "$KIND_STATE/containerd/containerd.pid"), dockerd pid $(cat "$KIND_STATE/dockerd/dockerd.pid"))"
}

# Put back what dockerd and kind changed in the host's network, then compare with the snapshot.
_host_network_restore() {
  local t c
  # Bridges dockerd created (docker0, br-<id> of user networks such as kind's).
  for c in $(ip -o link show type bridge | awk -F': ' '{print $2}'); do
    if [[ $c == docker0 || $c == br-* ]] && ! grep -qx "$c" <(sed -n '/^## links/,/^## /p' "$DOCKER_DIR/host-network.before"); then
      ip link delete "$c" 2>/dev/null || true
    fi
  done
  for t in filter nat mangle raw; do
    iptables -t "$t" -F 2>/dev/null || true; iptables -t "$t" -X 2>/dev/null || true
    ip6tables -t "$t" -F 2>/dev/null || true; ip6tables -t "$t" -X 2>/dev/null || true
    for c in INPUT FORWARD OUTPUT PREROUTING POSTROUTING; do
      iptables -t "$t" -P "$c" ACCEPT 2>/dev/null || true; ip6tables -t "$t" -P "$c" ACCEPT 2>/dev/null || true
    done
  done
  [[ -s "$DOCKER_DIR/iptables.before" ]] && iptables-restore <"$DOCKER_DIR/iptables.before"
  [[ -s "$DOCKER_DIR/ip6tables.before" ]] && ip6tables-restore <"$DOCKER_DIR/ip6tables.before"
  # Tables iptables-nft created for dockerd (empty now) did not exist before: remove them.
  local family name
  while read -r _ family name; do
    if [[ -n $name ]] && ! grep -qxF "table $family $name" "$DOCKER_DIR/nft-tables.before"; then
      nft delete table "$family" "$name" 2>/dev/null || true
    fi
  done < <(nft list tables 2>/dev/null)
  sysctl -qw "net.ipv4.ip_forward=$(cat "$DOCKER_DIR/ip_forward.before")"
  [[ -s "$DOCKER_DIR/ip6_forward.before" ]] && sysctl -qw "net.ipv6.conf.all.forwarding=$(cat "$DOCKER_DIR/ip6_forward.before")"
  return 0
}

# docker_stop: stop the engine we started (never one the machine ran before us) and leave the
# host's network as the snapshot found it; a difference is reported and fails.
docker_stop() {
  [[ -s "$DOCKER_DIR/host-network.before" ]] || { log "docker: not started by hack/kind; left alone"; return 0; }
  ORDERFLOW_STATE="$KIND_STATE" stop_daemon dockerd 60
  ORDERFLOW_STATE="$KIND_STATE" stop_daemon containerd 30
  _host_network_restore
  host_network_snapshot "$DOCKER_DIR/host-network.after"
  if ! diff -u "$DOCKER_DIR/host-network.before" "$DOCKER_DIR/host-network.after" >"$DOCKER_DIR/host-network.diff"; then
    cat "$DOCKER_DIR/host-network.diff" >&2
    die "docker: the host's network differs from before the engine started (diff above, $DOCKER_DIR/host-network.diff)"
  fi
  rm -f "$DOCKER_DIR"/host-network.* "$DOCKER_DIR"/*.before
  log "docker: engine stopped; host iptables, links, routes and forwarding as before"
}
