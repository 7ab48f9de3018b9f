{{- /* hop-service.selectorLabels: the immutable labels that select this service's serving pods (not its migration Job's); nothing in them is a value an operator can change. */ -}}
{{- define "hop-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hop-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: api
{{- end -}}
