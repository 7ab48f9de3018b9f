{{- /* hop-service.fullname: object name, "<release>-<service>" unless the release already says it. */ -}}
{{- define "hop-service.fullname" -}}
{{- $name := include "hop-service.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
