{{/*
Redis, for catalog-api and the dashboard: the redis:// or rediss:// URL (with its password) from
an existing Secret, mounted as a file (REDIS_URL_FILE) like the other brokers' URLs.
*/}}
{{- define "orderflow.redisSecret" -}}
{{- required "redis.existingSecret is required by catalogApi and dashboard: a Secret with the redis:// URL under redis.urlKey (see docs/chart.md)" .Values.redis.existingSecret -}}
{{- end -}}

{{- define "orderflow.redisVolume" -}}
- name: redis
  secret:
    secretName: {{ include "orderflow.redisSecret" . }}
    defaultMode: 0440
    items: [ { key: {{ .Values.redis.urlKey }}, path: url } ]
{{- end -}}

{{- define "orderflow.redisMount" -}}
- { name: redis, mountPath: /var/run/secrets/orderflow/redis, readOnly: true }
{{- end -}}

{{- define "orderflow.redisUrlEnv" -}}
- { name: REDIS_URL_FILE, value: /var/run/secrets/orderflow/redis/url }
{{- end -}}

{{/* Ingress to one component's HTTP port only (networkPolicy.enabled), as network-policies.yaml does for the others. */}}
{{- define "orderflow.httpOnlyNetworkPolicy" -}}
{{- $ctx := .ctx -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "orderflow.fullname" $ctx }}-{{ .component }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "orderflow.labels" (dict "ctx" $ctx "component" .component) | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "orderflow.selectorLabels" (dict "ctx" $ctx "component" .component) | nindent 6 }}
  policyTypes: [Ingress]
  ingress:
    - ports:
        - { port: {{ .port }}, protocol: TCP }
{{- end -}}
