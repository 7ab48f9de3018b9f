{{- /* hop-service.env: the HOP_* settings as a map (settings.fooBar -> HOP_FOO_BAR; a list as JSON), callees' URLs (HOP_<NAME>_URL; HOP_<NAME>_INTERNAL_URL for a peer called on both ports); shared by the ConfigMap and the migration Job. */ -}}
{{- define "hop-service.env" -}}
HOP_SERVICE_NAME: {{ include "hop-service.name" . | quote }}
HOP_SERVICE_VERSION: {{ default .Chart.AppVersion .Values.image.tag | quote }}
HOP_ENVIRONMENT: {{ .Values.global.environment | quote }}
HOP_HTTP_PORT: "8000"
HOP_INTERNAL_PORT: "8001"
HOP_MANAGEMENT_PORT: "9000"
HOP_SHUTDOWN_DELAY: {{ .Values.shutdown.delaySeconds | quote }}
HOP_DRAIN_TIMEOUT: {{ .Values.shutdown.drainSeconds | quote }}
HOP_MAX_BODY_BYTES: {{ int .Values.global.limits.maxBodyBytes | toString | quote }}
HOP_MAX_BATCH_BODY_BYTES: {{ int .Values.global.limits.maxBatchBodyBytes | toString | quote }}
{{- with .Values.global.trustedProxies }}
HOP_TRUSTED_PROXIES: {{ toJson . | quote }}
{{- end }}
{{- if .Values.secrets }}
HOP_SECRETS_DIR: "/var/run/secrets/hop"
{{- end }}
{{- if gt (int .Values.settings.workers) 1 }}
PROMETHEUS_MULTIPROC_DIR: "/tmp/metrics"
{{- end }}
{{- include "hop-service.spoolEnv" . }}
{{- with .Values.global.otlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
{{- range .Values.networkPolicy.callees }}
{{ printf "HOP_%s_URL" (upper .) }}: {{ printf "http://%s:8000" (include "hop-service.peerName" (dict "service" . "root" $)) | quote }}
{{- end }}
{{- range .Values.networkPolicy.internalCallees }}
{{- /* A peer called on both ports: its http URL is HOP_<NAME>_URL, the internal one HOP_<NAME>_INTERNAL_URL. */}}
{{ printf (ternary "HOP_%s_INTERNAL_URL" "HOP_%s_URL" (has . $.Values.networkPolicy.callees)) (upper .) }}: {{ printf "http://%s:8001" (ternary $.Release.Name (printf "%s-%s" $.Release.Name .) (contains . $.Release.Name)) | quote }}
{{- end }}
{{- range $key, $value := .Values.settings }}
{{- if and (eq $key "publicBaseUrl") (not $value) }}
HOP_PUBLIC_BASE_URL: {{ include "hop-service.publicBaseUrl" $ | quote }}
{{- else }}
{{ printf "HOP_%s" ($key | snakecase | upper) }}: {{ ternary (toJson $value) (toString $value) (kindIs "slice" $value) | quote }}
{{- end }}
{{- end }}
{{- end -}}
