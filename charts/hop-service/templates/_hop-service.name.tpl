{{- /* hop-service.name: the service's short name (chart name unless nameOverride). */ -}}
{{- define "hop-service.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}
