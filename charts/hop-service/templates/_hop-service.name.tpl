{{- /* hop-service.name: the service's short name, the chart's name (no override: every peer, URL and route derives it the same way). */ -}}
{{- define "hop-service.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
