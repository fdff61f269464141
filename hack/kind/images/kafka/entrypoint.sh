#!/bin/sh
# One KRaft node: formats /var/lib/kafka/data on first start (cluster id KAFKA_CLUSTER_ID), then
# the broker as PID 1 (it shuts down cleanly on SIGTERM). KAFKA_ADVERTISED_HOST: the name clients
# reach this Pod by (its Service).
set -eu
: "${KAFKA_CLUSTER_ID:?}" "${KAFKA_ADVERTISED_HOST:?}"
data=/var/lib/kafka/data conf=/var/lib/kafka/server.properties
mkdir -p "$data"
cat >"$conf" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=PLAINTEXT://:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=PLAINTEXT://$KAFKA_ADVERTISED_HOST:9092
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data
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
java_opts="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true"
if [ ! -f "$data/meta.properties" ]; then
  # shellcheck disable=SC2086
  java $java_opts -cp '/opt/kafka/libs/*' kafka.tools.StorageTool format -t "$KAFKA_CLUSTER_ID" -c "$conf"
fi
# shellcheck disable=SC2086
exec java $java_opts -cp '/opt/kafka/libs/*' kafka.Kafka "$conf"
