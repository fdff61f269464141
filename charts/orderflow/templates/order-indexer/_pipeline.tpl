{{/*
The order indexer in the default OrderPipeline (orderIndexer.enabled): its dead-letter topic,
declared by the pipeline (never broker auto-create), and the indexer as one of its consumers, run
and scaled by the operator on the order events' lag. It reads the order events and the alerts the
stream aggregator writes, so it needs streamAggregator.enabled (whose topics the pipeline
declares). The operator sets PORT and ORDERFLOW_KAFKA_TOPIC/GROUP/OFFSET_RESET from `source`
(@orderflow/consumer-contract); the rest of what apps/order-indexer/src/config.ts reads is set
here, OpenSearch's URL and credentials as files from orderIndexer.opensearch.existingSecret.
templates/pipeline includes both; templates/order-indexer/service.yaml puts the search API
behind a Service.
*/}}
{{- define "orderflow.orderIndexer.check" -}}
{{- if not .Values.streamAggregator.enabled -}}
{{- fail "orderIndexer.enabled needs streamAggregator.enabled: the indexer reads the order events and alerts topics the aggregator's part of the pipeline declares" -}}
{{- end -}}
{{- if not .Values.orderIndexer.opensearch.existingSecret -}}
{{- fail "orderIndexer.opensearch.existingSecret is required: a Secret with OpenSearch's URL, username and password" -}}
{{- end -}}
{{- end -}}

{{- define "orderflow.orderIndexer.topics" -}}
{{- include "orderflow.orderIndexer.check" . -}}
- { name: {{ .Values.orderIndexer.deadLetterTopic }}, partitions: 1, replicationFactor: {{ .Values.streamAggregator.replicationFactor }} }
{{- end -}}

{{- define "orderflow.orderIndexer.consumer" -}}
{{- include "orderflow.orderIndexer.check" . -}}
{{- $i := .Values.orderIndexer -}}
{{- $a := .Values.streamAggregator -}}
{{- $os := $i.opensearch -}}
- name: order-indexer
  image: {{ include "orderflow.image" (dict "ctx" . "image" $i.image) }}
  # earliest: every retained order event becomes searchable, also those sent before the group
  # first committed; documents are written by event id, so a replay is a no-op.
  source: { topic: {{ $a.topics.orderEvents }}, group: {{ $i.group }}, offsetResetPolicy: earliest }
  env:
    - name: KAFKA_BROKERS
      value: {{ required "kafka.brokers (or managed.strimzi.enabled) is required by orderIndexer" (include "orderflow.kafkaBrokers" . | default "") | quote }}
    - { name: ALERTS_TOPIC, value: {{ $a.topics.orderAlerts | quote }} }
    - { name: DEAD_LETTER_TOPIC, value: {{ $i.deadLetterTopic | quote }} }
    - { name: INDEX_PREFIX, value: {{ $i.indexPrefix | quote }} }
    # Static group membership: the Pod's own name is the instance id.
    - { name: POD_NAME, valueFrom: { fieldRef: { fieldPath: metadata.name } } }
    - { name: LOG_LEVEL, value: {{ $i.logLevel | quote }} }
    {{- range $name, $value := $i.env }}
    - { name: {{ $name }}, value: {{ $value | toString | quote }} }
    {{- end }}
    {{- with include "orderflow.tracingEnv" . | trim }}{{ . | nindent 4 }}{{- end }}
    # tls.caSecret: trusted for Kafka and for an https:// OpenSearch alike.
    {{- with include "orderflow.consumerCaEnv" . | trim }}{{ . | nindent 4 }}{{- end }}
  secretFiles:
    - { name: OPENSEARCH_URL, secretKeyRef: { name: {{ $os.existingSecret }}, key: {{ $os.urlKey }} } }
    - { name: OPENSEARCH_USERNAME, secretKeyRef: { name: {{ $os.existingSecret }}, key: {{ $os.usernameKey }} } }
    - { name: OPENSEARCH_PASSWORD, secretKeyRef: { name: {{ $os.existingSecret }}, key: {{ $os.passwordKey }} } }
    {{- with include "orderflow.consumerCaFile" . | trim }}{{ . | nindent 4 }}{{- end }}
  resources:
    {{- toYaml $i.resources | nindent 4 }}
  # Members share the partitions (at most one replica per partition of the order events).
  scaling:
    minReplicas: {{ $i.scaling.minReplicas }}
    maxReplicas: {{ $i.scaling.maxReplicas }}
    targetLagPerReplica: {{ $i.scaling.targetLagPerReplica }}
{{- end -}}
