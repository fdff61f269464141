# Apache Kafka 4 (KRaft, one combined broker+controller node) from Maven Central jars, on the
# machine's Java 17. Jars are cached under $ORDERFLOW_CACHE/kafka/<version>.
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HACK_DIR/kafka/pom.xml")"
# Keyed by version and by the pom's content, so a changed dependency set fetches anew.
KAFKA_HOME="$ORDERFLOW_CACHE/kafka/$KAFKA_VERSION-$(sha256sum "$HACK_DIR/kafka/pom.xml" | cut -c1-10)"

kafka_install() {
  require_cmd java "Java 17 or newer (Debian: openjdk-17-jre-headless)"
  [[ -f "$KAFKA_HOME/.complete" ]] && return 0
  require_cmd mvn "Maven (Debian: maven), used to fetch the Kafka jars from Maven Central"
  log "kafka: fetching Apache Kafka $KAFKA_VERSION jars from Maven Central"
  rm -rf "$KAFKA_HOME"; mkdir -p "$KAFKA_HOME/libs"
  mvn -B -q -f "$HACK_DIR/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs" >"$KAFKA_HOME/mvn.log" 2>&1 \
    || { tail -30 "$KAFKA_HOME/mvn.log" >&2; die "kafka: resolving the jars from Maven Central failed"; }
  touch "$KAFKA_HOME/.complete"
}

_kafka_java() {
  java -Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$(svc_dir kafka)/log4j2.properties" \
    -cp "$KAFKA_HOME/libs/*" "$@"
}

_kafka_ready() {
  port_in_use "$KAFKA_PORT" && grep -q 'Kafka Server started\|KafkaRaftServer.*started' "$(svc_log kafka)"
}

kafka_start() {
  local dir; dir="$(svc_dir kafka)"
  if svc_running kafka; then return 0; fi
  require_free_port kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  mkdir -p "$dir/data"
  cat >"$dir/log4j2.properties" <<CONF
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
CONF
  cat >"$dir/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
log.retention.hours=24
CONF
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    local cluster_id
    cluster_id="$(_kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    [[ -n "$cluster_id" ]] || die "kafka: could not generate a cluster id (is the jar set complete? see $KAFKA_HOME)"
    _kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" >"$dir/format.log" 2>&1 \
      || { tail -20 "$dir/format.log" >&2; die "kafka: formatting the KRaft storage failed"; }
  fi
  start_daemon kafka java -Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$dir/server.properties"
  wait_until kafka 120 _kafka_ready
}

kafka_stop() { stop_daemon kafka 60; }

kafka_status() {
  if svc_running kafka && port_in_use "$KAFKA_PORT"; then
    echo "kafka       up    127.0.0.1:$KAFKA_PORT (KRaft, Kafka $KAFKA_VERSION)"
  else
    echo "kafka       down"; return 1
  fi
}

kafka_env() { echo "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"; }
