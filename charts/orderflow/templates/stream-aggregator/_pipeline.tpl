{{/*
The stream aggregator in the default OrderPipeline (streamAggregator.enabled): the topics it reads
and writes, declared by the pipeline (never broker auto-create), and the aggregator as one of its
consumers, run and scaled by the operator. The operator sets PORT and
ORDERFLOW_KAFKA_TOPIC/GROUP/OFFSET_RESET from `source` (@orderflow/consumer-contract); the rest of
what apps/stream-aggregator/src/config.ts reads is set here. templates/pipeline includes both.
*/}}
{{- define "orderflow.streamAggregator.topics" -}}
{{- $a := .Values.streamAggregator -}}
{{- $rf := $a.replicationFactor -}}
- name: {{ $a.topics.orderEvents }}
  partitions: {{ $a.orderEventsPartitions }}
  replicationFactor: {{ $rf }}
- { name: {{ $a.topics.orderStats }}, partitions: 1, replicationFactor: {{ $rf }} }
- { name: {{ $a.topics.orderAlerts }}, partitions: 1, replicationFactor: {{ $rf }} }
- { name: {{ $a.topics.deadLetter }}, partitions: 1, replicationFactor: {{ $rf }} }
# The windows' changelog: compacted, the latest state per window survives.
- name: {{ $a.topics.changelog }}
  partitions: 1
  replicationFactor: {{ $rf }}
  config: { cleanup.policy: compact }
{{- end -}}

{{- define "orderflow.streamAggregator.consumer" -}}
{{- $a := .Values.streamAggregator -}}
- name: stream-aggregator
  image: {{ include "orderflow.image" (dict "ctx" . "image" $a.image) }}
  # earliest: every order event counts, also those sent before the group first committed an
  # offset on a partition (a new group, a partition added later).
  source: { topic: {{ $a.topics.orderEvents }}, group: {{ $a.group }}, offsetResetPolicy: earliest }
  env:
    - name: KAFKA_BROKERS
      value: {{ required "kafka.brokers (or managed.strimzi.enabled) is required by streamAggregator" (include "orderflow.kafkaBrokers" . | default "") | quote }}
    - { name: STATS_TOPIC, value: {{ $a.topics.orderStats | quote }} }
    - { name: ALERTS_TOPIC, value: {{ $a.topics.orderAlerts | quote }} }
    - { name: DEAD_LETTER_TOPIC, value: {{ $a.topics.deadLetter | quote }} }
    - { name: CHANGELOG_TOPIC, value: {{ $a.topics.changelog | quote }} }
    # Transactional ids are broker-wide: a prefix per release. The instance id (static group
    # membership, the transactional id) is POD_NAME, whose default is the host name, which in a
    # Pod is the Pod's name.
    - { name: KAFKA_TRANSACTIONAL_ID_PREFIX, value: {{ printf "%s-aggregator" (include "orderflow.fullname" .) | quote }} }
    - { name: LOG_LEVEL, value: {{ $a.logLevel | quote }} }
    {{- range $name, $value := $a.env }}
    - { name: {{ $name }}, value: {{ $value | toString | quote }} }
    {{- end }}
    {{- with include "orderflow.consumerCaEnv" . | trim }}{{ . | nindent 4 }}{{- end }}
  {{- with include "orderflow.consumerCaFile" . | trim }}
  secretFiles:
    {{- . | nindent 4 }}
  {{- end }}
  resources:
    {{- toYaml $a.resources | nindent 4 }}
  # Windows are global: one member owns every partition and the others stand by, so a second
  # replica is a warm standby, not more throughput.
  scaling:
    minReplicas: {{ $a.scaling.minReplicas }}
    maxReplicas: {{ $a.scaling.maxReplicas }}
    targetLagPerReplica: {{ $a.scaling.targetLagPerReplica }}
{{- end -}}
