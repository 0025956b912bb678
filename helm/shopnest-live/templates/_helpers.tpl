{{/* Names: <release>-shopnest-live-<component>, cut to 63 characters (DNS label). */}}
{{- define "shopnest.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The services this chart deploys: values key → component name. */}}
{{- define "shopnest.components" -}}
connectionEdge: connection-edge
orderTracking: order-tracking
supportDesk: support-desk
notificationWorker: notification-worker
{{- end -}}

{{/* (dict "root" $ "component" "connection-edge") */}}
{{- define "shopnest.componentName" -}}
{{- printf "%s-%s" (include "shopnest.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The in-cluster base URL of a component's Service: (dict "root" $ "key" "orderTracking") */}}
{{- define "shopnest.serviceUrl" -}}
{{- $component := index (include "shopnest.components" .root | fromYaml) .key -}}
{{- printf "http://%s:%v" (include "shopnest.componentName" (dict "root" .root "component" $component)) (index .root.Values .key).port -}}
{{- end -}}

{{- define "shopnest.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "shopnest.labels" -}}
{{ include "shopnest.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: shopnest-live
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* A secret reference as an env var: (dict "name" "REDIS_URL" "ref" .Values.redis.url) */}}
{{- define "shopnest.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "a Secret name for %s is required" .name) .ref.secretName }}
      key: {{ required (printf "a Secret key for %s is required" .name) .ref.key }}
{{- end -}}

{{- define "shopnest.plainEnv" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end -}}
{{- end -}}

{{/* Token verification, for the services that check JWTs. */}}
{{- define "shopnest.jwtEnv" -}}
{{- if .Values.jwt.publicKey.secretName }}
- name: JWT_PUBLIC_KEY_FILE
  value: /etc/shopnest/jwt/{{ .Values.jwt.publicKey.key }}
{{- else }}
{{ include "shopnest.secretEnv" (dict "name" "JWT_SECRET" "ref" .Values.jwt.secret) }}
{{- end }}
{{- include "shopnest.plainEnv" (dict "JWT_ISSUER" .Values.jwt.issuer "JWT_AUDIENCE" .Values.jwt.audience "JWT_ALGORITHMS" .Values.jwt.algorithms | include "shopnest.nonEmpty" | fromYaml) }}
{{- end -}}

{{/* A map without its empty values, as YAML (unset variables take the service's defaults). */}}
{{- define "shopnest.nonEmpty" -}}
{{- $out := dict -}}
{{- range $k, $v := . }}{{ if ne (toString $v) "" }}{{ $_ := set $out $k $v }}{{ end }}{{ end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* OpenTelemetry, for every service: nothing at all while tracing.otlpEndpoint is empty (tracing off). */}}
{{- define "shopnest.tracingEnv" -}}
{{- with .Values.tracing }}
{{- if .otlpEndpoint }}
{{- include "shopnest.plainEnv" (dict "OTEL_EXPORTER_OTLP_ENDPOINT" .otlpEndpoint "OTEL_EXPORTER_OTLP_PROTOCOL" .protocol "OTEL_TRACES_SAMPLER" .sampler "OTEL_TRACES_SAMPLER_ARG" .samplerArg | include "shopnest.nonEmpty" | fromYaml) }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "shopnest.kafkaEnv" -}}
{{- include "shopnest.plainEnv" (dict "EVENT_BUS" "kafka" "KAFKA_BROKERS" (required "kafka.brokers is required" .Values.kafka.brokers) "KAFKA_CLIENT_ID" .Values.kafka.clientId "KAFKA_TOPIC_PREFIX" .Values.kafka.topicPrefix | include "shopnest.nonEmpty" | fromYaml) }}
{{- end -}}

{{- define "shopnest.redisEnv" -}}
{{ include "shopnest.secretEnv" (dict "name" "REDIS_URL" "ref" .Values.redis.url) }}
{{- include "shopnest.plainEnv" (dict "FANOUT" "redis" "HISTORY" "redis" "SOCKET_IO_KEY" .Values.redis.socketIoKey "HISTORY_KEY_PREFIX" .Values.redis.historyKeyPrefix) }}
{{- end -}}
