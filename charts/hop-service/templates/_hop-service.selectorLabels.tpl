{{- /* hop-service.selectorLabels: the immutable labels that select this service's serving pods (not its migration Job's). */ -}}
{{- define "hop-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hop-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: {{ .Values.component }}
{{- end -}}
