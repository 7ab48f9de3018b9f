{{- /* hop-service.selectorLabels: the immutable labels that select this service's pods. */ -}}
{{- define "hop-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hop-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
