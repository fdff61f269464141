{{/* Names, labels and the pieces every workload shares. */}}

{{- define "orderflow.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped base name; components append "-<component>". */}}
{{- define "orderflow.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else if contains (include "orderflow.name" .) .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "orderflow.name" .) | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "orderflow.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object. Call with (dict "ctx" $ "component" "operator"). */}}
{{- define "orderflow.labels" -}}
helm.sh/chart: {{ include "orderflow.chart" .ctx }}
{{ include "orderflow.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: orderflow
{{- end -}}

{{/* The labels a selector uses: stable across upgrades. */}}
{{- define "orderflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orderflow.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Image reference. Call with (dict "ctx" $ "image" .Values.operator.image). */}}
{{- define "orderflow.image" -}}
{{- $tag := .image.tag | default .ctx.Values.images.tag | default .ctx.Chart.AppVersion -}}
{{- printf "%s/%s:%s" .ctx.Values.images.registry .image.repository $tag -}}
{{- end -}}

{{- define "orderflow.imagePullSecrets" -}}
{{- with .Values.images.pullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* Pod-level security context of the PodSecurity "restricted" profile; the images run as 10001. */}}
{{- define "orderflow.podSecurityContext" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{/* Container-level security context of the "restricted" profile, root filesystem read-only. */}}
{{- define "orderflow.containerSecurityContext" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  capabilities:
    drop: [ALL]
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{/* The connection Secret's name, failing with a clear message when it is missing. */}}
{{- define "orderflow.postgresqlSecret" -}}
{{- required "postgresql.existingSecret is required: a Secret with the postgres:// URL under postgresql.urlKey (see docs/chart.md)" .Values.postgresql.existingSecret -}}
{{- end -}}

{{/* RabbitMQ: the app URL Secret (existing, or composed from the managed cluster's default user). */}}
{{- define "orderflow.rabbitmqManagedName" -}}
{{- printf "%s-rabbitmq" (include "orderflow.fullname" .) -}}
{{- end -}}

{{- define "orderflow.rabbitmqSecret" -}}
{{- if .Values.managed.rabbitmqCluster.enabled -}}
{{- printf "%s-default-user" (include "orderflow.rabbitmqManagedName" .) -}}
{{- else -}}
{{- required "rabbitmq.existingSecret is required (or managed.rabbitmqCluster.enabled): a Secret with the amqp:// URL and the management user and password (see docs/chart.md)" .Values.rabbitmq.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "orderflow.kafkaBrokers" -}}
{{- if .Values.managed.strimzi.enabled -}}
{{- printf "%s-kafka-kafka-bootstrap.%s.svc:9092" (include "orderflow.fullname" .) .Release.Namespace -}}
{{- else -}}
{{- .Values.kafka.brokers -}}
{{- end -}}
{{- end -}}

{{/*
Environment that makes an app read RABBITMQ_URL. With the managed RabbitmqCluster the URL is
composed by the kubelet from the operator-created default-user Secret ($(VAR) expansion): that
Secret has username and password, no URL.
*/}}
{{- define "orderflow.rabbitmqUrlEnv" -}}
{{- if .Values.managed.rabbitmqCluster.enabled }}
- name: RABBITMQ_DEFAULT_USERNAME
  valueFrom: { secretKeyRef: { name: {{ include "orderflow.rabbitmqSecret" . }}, key: username } }
- name: RABBITMQ_DEFAULT_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ include "orderflow.rabbitmqSecret" . }}, key: password } }
- name: RABBITMQ_URL
  value: {{ printf "amqp://$(RABBITMQ_DEFAULT_USERNAME):$(RABBITMQ_DEFAULT_PASSWORD)@%s.%s.svc:5672/" (include "orderflow.rabbitmqManagedName" .) .Release.Namespace | quote }}
{{- else }}
- name: RABBITMQ_URL_FILE
  value: /var/run/secrets/orderflow/rabbitmq/url
{{- end }}
{{- end -}}

{{/* Secret volumes of an app that connects to PostgreSQL and RabbitMQ. */}}
{{- define "orderflow.connectionVolumes" -}}
- name: postgresql
  secret:
    secretName: {{ include "orderflow.postgresqlSecret" . }}
    defaultMode: 0440
    items: [ { key: {{ .Values.postgresql.urlKey }}, path: url } ]
{{- if not .Values.managed.rabbitmqCluster.enabled }}
- name: rabbitmq
  secret:
    secretName: {{ include "orderflow.rabbitmqSecret" . }}
    defaultMode: 0440
    items: [ { key: {{ .Values.rabbitmq.urlKey }}, path: url } ]
{{- end }}
{{- end -}}

{{- define "orderflow.connectionMounts" -}}
- { name: postgresql, mountPath: /var/run/secrets/orderflow/postgresql, readOnly: true }
{{- if not .Values.managed.rabbitmqCluster.enabled }}
- { name: rabbitmq, mountPath: /var/run/secrets/orderflow/rabbitmq, readOnly: true }
{{- end }}
{{- end -}}

{{/* The brokers' CA bundle, trusted by Node through NODE_EXTRA_CA_CERTS. */}}
{{- define "orderflow.caEnv" -}}
{{- if .Values.tls.caSecret.name }}
- name: NODE_EXTRA_CA_CERTS
  value: /etc/orderflow/ca/ca.crt
{{- end }}
{{- end -}}

{{- define "orderflow.caVolume" -}}
{{- if .Values.tls.caSecret.name }}
- name: broker-ca
  secret:
    secretName: {{ .Values.tls.caSecret.name }}
    defaultMode: 0444
    items: [ { key: {{ .Values.tls.caSecret.key }}, path: ca.crt } ]
{{- end }}
{{- end -}}

{{- define "orderflow.caMount" -}}
{{- if .Values.tls.caSecret.name }}
- { name: broker-ca, mountPath: /etc/orderflow/ca, readOnly: true }
{{- end }}
{{- end -}}

{{/*
The brokers' CA bundle for a consumer the operator runs (its Deployment is the operator's, not
this chart's): the secret file BROKER_CA, whose path the operator puts in BROKER_CA_FILE ahead of
the consumer's own env, and NODE_EXTRA_CA_CERTS=$(BROKER_CA_FILE), which Kubernetes expands.
*/}}
{{- define "orderflow.consumerCaFile" -}}
{{- if .Values.tls.caSecret.name }}
- { name: BROKER_CA, secretKeyRef: { name: {{ .Values.tls.caSecret.name }}, key: {{ .Values.tls.caSecret.key }} } }
{{- end }}
{{- end -}}

{{- define "orderflow.consumerCaEnv" -}}
{{- if .Values.tls.caSecret.name }}
- { name: NODE_EXTRA_CA_CERTS, value: "$(BROKER_CA_FILE)" }
{{- end }}
{{- end -}}

{{/* Writable scratch space: the root filesystem is read-only. */}}
{{- define "orderflow.tmpVolume" -}}
- name: tmp
  emptyDir: { sizeLimit: 64Mi }
{{- end -}}

{{- define "orderflow.tmpMount" -}}
- { name: tmp, mountPath: /tmp }
{{- end -}}

{{/* The external metrics serving certificate's Secret and Service names. */}}
{{- define "orderflow.metricsServiceName" -}}
{{- printf "%s-external-metrics" (include "orderflow.fullname" .) -}}
{{- end -}}

{{- define "orderflow.metricsCertSecret" -}}
{{- printf "%s-external-metrics-tls" (include "orderflow.fullname" .) -}}
{{- end -}}

{{- define "orderflow.operatorName" -}}
{{- printf "%s-operator" (include "orderflow.fullname" .) -}}
{{- end -}}

{{- define "orderflow.clientCAConfigMap" -}}
{{- .Values.externalMetrics.clientCAConfigMap | default (printf "%s-requestheader-ca" (include "orderflow.fullname" .)) -}}
{{- end -}}
