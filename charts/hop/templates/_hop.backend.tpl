{{- /* hop.backend: the Service name of a hop service in this release (same rule as hop-service.fullname). */ -}}
{{- define "hop.backend" -}}
{{- if contains .service .root.Release.Name -}}
{{- .root.Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .root.Release.Name .service | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
