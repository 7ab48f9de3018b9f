{{- /* hop-service.podLabels: the labels of the serving pods: the recommended ones plus podLabels (never in a selector). */ -}}
{{- define "hop-service.podLabels" -}}
{{ include "hop-service.labels" . }}
{{- with .Values.podLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}
