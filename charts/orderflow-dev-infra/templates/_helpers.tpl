{{/* Labels on the objects (not on Pod templates: their selectors stay `app: <name>`). */}}
{{- define "devInfra.labels" -}}
app: {{ .name }}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/part-of: orderflow-dev-infra
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- end }}

{{/* A required image reference: images.<name>. */}}
{{- define "devInfra.image" -}}
{{ required (printf "images.%s is required (hack/kind builds it: infra_image %s)" .name .name) (index .ctx.Values.images .name) }}
{{- end }}

{{/* The in-cluster host name of a Service of this release. */}}
{{- define "devInfra.host" -}}
{{ .name }}.{{ .ctx.Release.Namespace }}.svc.cluster.local
{{- end }}

{{/*
The generated credentials (the Kafka cluster id: 16 bytes as 22 base64url characters; the
last one A so its unused bits are zero), created once and then read back (lookup), so an upgrade keeps the
passwords the volumes were initialised with. Returns a YAML map of plain values.
*/}}
{{- define "devInfra.credentials" -}}
{{- if not (hasKey .Values "generatedCredentials") -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace .Values.credentials.secretName -}}
{{- $d := dict -}}
{{- if $existing -}}
{{- range $k, $v := $existing.data }}{{ $_ := set $d $k ($v | b64dec) }}{{ end -}}
{{- end -}}
{{- $gen := dict "postgres-password" (randAlphaNum 32) "redis-password" (randAlphaNum 32) "rabbitmq-password" (randAlphaNum 32) "rabbitmq-erlang-cookie" (randAlphaNum 40) "kafka-cluster-id" (printf "%sA" (randAlphaNum 21)) "opensearch-password" (randAlphaNum 32) -}}
{{- range $k, $v := $gen }}{{ if not (hasKey $d $k) }}{{ $_ := set $d $k $v }}{{ end }}{{ end -}}
{{- /* Memoised in .Values: every template that needs them must get the same random values. */ -}}
{{- $_ := set .Values "generatedCredentials" $d -}}
{{- end -}}
{{- toYaml .Values.generatedCredentials -}}
{{- end }}
