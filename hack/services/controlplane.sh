# Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager, built from the Go
# modules in hack/controlplane (see docs/local-control-plane.md). Sourced by hack/stack.
#
# Loopback only, TLS everywhere, client-certificate authentication, RBAC authorization, no
# anonymous requests. No scheduler and no kubelet: Pods are created but stay Pending.

CP_HACK="$HACK_DIR/controlplane"
CP_APISERVER_PORT=6443
CP_ETCD_PORT=2379
CP_ETCD_PEER_PORT=2380
CP_ETCD_METRICS_PORT=2381
CP_KCM_PORT=10257
# kubeadm's default: a /24 ran out of Service IPs under a benchmark.
CP_SERVICE_CIDR=10.96.0.0/12
CP_SERVICE_IP=10.96.0.1
CP_SERVER="https://127.0.0.1:$CP_APISERVER_PORT"
# Controllers a cluster without nodes can usefully run: workloads, autoscaling, garbage
# collection, and what namespaces, service accounts, RBAC aggregation and finalizers need.
CP_CONTROLLERS=garbage-collector-controller,deployment-controller,replicaset-controller,horizontal-pod-autoscaler-controller,namespace-controller,serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller,clusterrole-aggregation-controller,job-controller,cronjob-controller,statefulset-controller,daemonset-controller,replicationcontroller-controller,endpoints-controller,endpointslice-controller,service-cidr-controller,resourcequota-controller,disruption-controller,ttl-after-finished-controller,pod-garbage-collector-controller,persistentvolumeclaim-protection-controller,persistentvolume-protection-controller,validatingadmissionpolicy-status-controller

# Versions come from the pinned go.mod files, read without running Go so a warm start is fast.
cp_gomod_version() { sed -n "s#^[[:space:]]*\(require \)\{0,1\}$2 \(v[^ ]*\).*#\2#p" "$1" | head -1; }
CP_K8S_VERSION="$(cp_gomod_version "$CP_HACK/go.mod" k8s.io/kubernetes)"
CP_ETCD_VERSION="$(cp_gomod_version "$CP_HACK/go.mod" go.etcd.io/etcd/server/v3)"
CP_HELM_VERSION="$(cp_gomod_version "$CP_HACK/helm/go.mod" helm.sh/helm/v3)"
CP_BIN="$ORDERFLOW_CACHE/controlplane/$CP_K8S_VERSION/bin"
CP_KUBECONFIG="$ORDERFLOW_STATE/kubeconfig"
# Everything of the control plane lives in .stack/controlplane: pki/, etcd-data/, and one
# folder per process (etcd/, apiserver/, controller-manager/) with its log and pid file.
CP_DIR="$ORDERFLOW_STATE/controlplane"

cp_dir() { mkdir -p "$CP_DIR"; printf '%s' "$CP_DIR"; }
cp_pki() { printf '%s/pki' "$CP_DIR"; }
# cp_proc HELPER PROCESS ARGS...: a common.sh process helper, with the process's folder
# inside .stack/controlplane rather than beside the services.
cp_proc() { ORDERFLOW_STATE="$CP_DIR" "$@"; }

# The binaries are complete when each carries the stamp of the version go.mod pins.
cp_binaries_current() {
  local name want
  for name in kube-apiserver kube-controller-manager kubectl etcd helm; do
    case $name in etcd) want=$CP_ETCD_VERSION ;; helm) want=$CP_HELM_VERSION ;; *) want=$CP_K8S_VERSION ;; esac
    [[ -x "$CP_BIN/$name" && "$(cat "$CP_BIN/.$name.version" 2>/dev/null)" == "$want" ]] || return 1
  done
}

controlplane_install() {
  cp_binaries_current && return 0
  require_cmd go "Go $(sed -n 's/^go //p' "$CP_HACK/go.mod") or newer builds the control plane (https://go.dev/dl)"
  require_cmd openssl "apt-get install openssl"
  log "controlplane: building Kubernetes $CP_K8S_VERSION, etcd $CP_ETCD_VERSION, Helm $CP_HELM_VERSION into $CP_BIN (cold: tens of minutes)"
  local t0=$SECONDS
  "$CP_HACK/build.sh" "$CP_BIN" || die "controlplane: build failed (see output above)"
  log "controlplane: built in $((SECONDS - t0))s"
}

# --- certificates -------------------------------------------------------------------------

# cp_ca NAME CN: a self-signed CA (key + certificate).
cp_ca() {
  local pki; pki="$(cp_pki)"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$1.key" 2>/dev/null
  chmod 600 "$pki/$1.key"
  openssl req -x509 -new -key "$pki/$1.key" -subj "/CN=$2" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$pki/$1.crt" 2>/dev/null
}

# cp_cert NAME SUBJECT EXT CA: key + certificate signed by CA (ca or front-proxy-ca).
cp_cert() {
  local pki name="$1" subj="$2" ext="$3" ca="$4"
  pki="$(cp_pki)"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/$name.key" 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subj" -out "$pki/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" >"$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$ca.crt" -CAkey "$pki/$ca.key" -CAcreateserial \
    -days 365 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
  chmod 600 "$pki/$name.key"
}

# Generated once; leaf certificates are renewed when they expire within a day.
cp_ensure_pki() {
  local pki; pki="$(cp_pki)"
  mkdir -p "$pki"; chmod 700 "$pki"
  if [[ ! -f "$pki/ca.crt" ]]; then
    log "controlplane: generating CA, certificates and service-account keys in $pki"
    cp_ca ca orderflow-local-ca
    # Certificates signed by a previous CA are worthless now.
    rm -f "$pki"/{apiserver,apiserver-etcd-client,etcd,admin,controller-manager,controller-manager-serving}.{crt,key}
  fi
  # The aggregation layer's own CA, as kubeadm does: the API server proves itself to
  # extension API servers (metrics-server, ...) with front-proxy-client.
  if [[ ! -f "$pki/front-proxy-ca.crt" ]]; then
    cp_ca front-proxy-ca orderflow-local-front-proxy-ca
    rm -f "$pki"/front-proxy-client.{crt,key}
  fi
  if [[ ! -f "$pki/sa.key" ]]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pki/sa.key" 2>/dev/null
    openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
    chmod 600 "$pki/sa.key"
  fi
  local serving="keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,IP:$CP_SERVICE_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  local client="keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
  local etcd="keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
  local loopback="keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
  local spec name subj ext ca
  for spec in "apiserver|/CN=kube-apiserver|serving|ca" \
               "apiserver-etcd-client|/CN=kube-apiserver-etcd-client|client|ca" \
               "etcd|/CN=etcd|etcd|ca" \
               "admin|/O=system:masters/CN=orderflow-admin|client|ca" \
               "controller-manager|/CN=system:kube-controller-manager|client|ca" \
               "controller-manager-serving|/CN=kube-controller-manager|loopback|ca" \
               "front-proxy-client|/CN=front-proxy-client|client|front-proxy-ca"; do
    IFS='|' read -r name subj ext ca <<<"$spec"
    if [[ ! -f "$pki/$name.crt" ]] || ! openssl x509 -checkend 86400 -noout -in "$pki/$name.crt" >/dev/null 2>&1; then
      cp_cert "$name" "$subj" "${!ext}" "$ca"
    fi
  done
}

# cp_kubeconfig FILE USER: a kubeconfig with the client certificate embedded.
cp_kubeconfig() {
  local file="$1" user="$2" pki tmp; pki="$(cp_pki)"; tmp="$file.tmp"
  cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: orderflow-local
  cluster:
    server: $CP_SERVER
    certificate-authority-data: $(base64 -w0 <"$pki/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$pki/$user.crt")
    client-key-data: $(base64 -w0 <"$pki/$user.key")
contexts:
- name: orderflow-local
  context: { cluster: orderflow-local, user: $user }
current-context: orderflow-local
EOF
  chmod 600 "$tmp"; mv "$tmp" "$file"
}

# --- health checks -------------------------------------------------------------------------

cp_curl() { local pki; pki="$(cp_pki)"; curl -fsS --max-time 3 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$@"; }
cp_etcd_healthy() { http_ok "http://127.0.0.1:$CP_ETCD_METRICS_PORT/health"; }
cp_apiserver_ready() { cp_curl -o /dev/null "$CP_SERVER/readyz"; }
cp_kcm_healthy() { cp_curl -o /dev/null "https://127.0.0.1:$CP_KCM_PORT/healthz"; }

# --- lifecycle -----------------------------------------------------------------------------

cp_start_etcd() {
  cp_proc svc_running etcd && return 0
  require_free_port controlplane "$CP_ETCD_PORT" "$CP_ETCD_PEER_PORT" "$CP_ETCD_METRICS_PORT"
  local dir pki; dir="$(cp_dir)"; pki="$(cp_pki)"
  mkdir -p "$dir/etcd-data"; chmod 700 "$dir/etcd-data"
  cp_proc start_daemon etcd "$CP_BIN/etcd" \
    --name=orderflow --data-dir="$dir/etcd-data" \
    --listen-client-urls="https://127.0.0.1:$CP_ETCD_PORT" --advertise-client-urls="https://127.0.0.1:$CP_ETCD_PORT" \
    --listen-peer-urls="https://127.0.0.1:$CP_ETCD_PEER_PORT" --initial-advertise-peer-urls="https://127.0.0.1:$CP_ETCD_PEER_PORT" \
    --initial-cluster="orderflow=https://127.0.0.1:$CP_ETCD_PEER_PORT" --initial-cluster-state=new \
    --listen-metrics-urls="http://127.0.0.1:$CP_ETCD_METRICS_PORT" \
    --cert-file="$pki/etcd.crt" --key-file="$pki/etcd.key" --client-cert-auth --trusted-ca-file="$pki/ca.crt" \
    --peer-cert-file="$pki/etcd.crt" --peer-key-file="$pki/etcd.key" --peer-client-cert-auth --peer-trusted-ca-file="$pki/ca.crt" \
    --snapshot-count=10000 --quota-backend-bytes=$((2 * 1024 * 1024 * 1024)) --log-level=warn
  cp_proc wait_until etcd 60 cp_etcd_healthy
}

cp_start_apiserver() {
  cp_proc svc_running apiserver && return 0
  require_free_port controlplane "$CP_APISERVER_PORT"
  local pki; pki="$(cp_pki)"
  # Endpoints of the `kubernetes` Service may not be loopback addresses, and no Pod runs to
  # use them: no endpoint reconciler, so the API server does not retry an invalid write.
  # Open watches (operators, kubectl -w) would hold a stop for the HTTP server's 60 s
  # shutdown timeout: the watch grace period ends them first.
  cp_proc start_daemon apiserver "$CP_BIN/kube-apiserver" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$CP_APISERVER_PORT" \
    --etcd-servers="https://127.0.0.1:$CP_ETCD_PORT" --etcd-cafile="$pki/ca.crt" \
    --etcd-certfile="$pki/apiserver-etcd-client.crt" --etcd-keyfile="$pki/apiserver-etcd-client.key" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" --anonymous-auth=false \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range="$CP_SERVICE_CIDR" \
    --endpoint-reconciler-type=none \
    --requestheader-client-ca-file="$pki/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$pki/front-proxy-client.crt" --proxy-client-key-file="$pki/front-proxy-client.key" \
    --shutdown-watch-termination-grace-period=5s \
    --profiling=false --v=1
  cp_proc wait_until apiserver 120 cp_apiserver_ready
}

cp_start_controller_manager() {
  cp_proc svc_running controller-manager && return 0
  require_free_port controlplane "$CP_KCM_PORT"
  local dir pki; dir="$(cp_dir)"; pki="$(cp_pki)"
  cp_kubeconfig "$dir/controller-manager.kubeconfig" controller-manager
  # One instance on one machine: leader election would only delay a restart by a lease period.
  # The HPA syncs every 5 s (as on kind, kind-config.yaml), not 15 s.
  cp_proc start_daemon controller-manager "$CP_BIN/kube-controller-manager" \
    --kubeconfig="$dir/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$dir/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$dir/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$CP_KCM_PORT" \
    --tls-cert-file="$pki/controller-manager-serving.crt" --tls-private-key-file="$pki/controller-manager-serving.key" \
    --use-service-account-credentials=true \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --horizontal-pod-autoscaler-sync-period=5s \
    --controllers="$CP_CONTROLLERS" --leader-elect=false --profiling=false --v=1
  cp_proc wait_until controller-manager 60 cp_kcm_healthy
}

# The API server creates the default ServiceCIDR from its flag once and never changes it. A
# stack whose etcd predates the current range gets the range as a second ServiceCIDR.
cp_ensure_service_cidr() {
  local current
  current="$("$CP_BIN/kubectl" --kubeconfig "$CP_KUBECONFIG" get servicecidr kubernetes -o 'jsonpath={.spec.cidrs[0]}' 2>/dev/null)" || return 0
  [[ -z $current || $current == "$CP_SERVICE_CIDR" ]] && return 0
  log "controlplane: default ServiceCIDR is $current (an older stack); adding $CP_SERVICE_CIDR beside it"
  "$CP_BIN/kubectl" --kubeconfig "$CP_KUBECONFIG" apply -f - >/dev/null <<EOF
apiVersion: networking.k8s.io/v1
kind: ServiceCIDR
metadata: { name: orderflow-local }
spec: { cidrs: ["$CP_SERVICE_CIDR"] }
EOF
}

controlplane_start() {
  cp_binaries_current || controlplane_install
  cp_ensure_pki
  cp_kubeconfig "$CP_KUBECONFIG" admin
  cp_start_etcd
  cp_start_apiserver
  cp_ensure_service_cidr
  cp_start_controller_manager
}

controlplane_stop() {
  cp_proc stop_daemon controller-manager
  cp_proc stop_daemon apiserver
  cp_proc stop_daemon etcd
}

controlplane_status() {
  local part down=()
  for part in etcd apiserver controller-manager; do
    cp_proc svc_running "$part" || down+=("$part")
  done
  if ((${#down[@]} == 3)); then
    echo "controlplane: down"; return 1
  elif ((${#down[@]})); then
    echo "controlplane: degraded (not running: ${down[*]})"; return 1
  elif ! cp_apiserver_ready; then
    echo "controlplane: running but $CP_SERVER/readyz is not ok"; return 1
  fi
  echo "controlplane: up, Kubernetes $CP_K8S_VERSION at $CP_SERVER (KUBECONFIG=$CP_KUBECONFIG)"
}

controlplane_env() {
  cat <<EOF
KUBECONFIG=$CP_KUBECONFIG
KUBECTL=$CP_BIN/kubectl
HELM=$CP_BIN/helm
ORDERFLOW_K8S_VERSION=$CP_K8S_VERSION
ORDERFLOW_K8S_SERVER=$CP_SERVER
EOF
}
