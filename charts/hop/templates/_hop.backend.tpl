{{- /* hop.backend: the Service name of a hop service in this release (same rule as hop-service.fullname). */ -}}
{{- define "hop.backend" -}}
{{- if contains .service .root.Release.Name -}}
{{- include "hop.shortName" .root.Release.Name -}}
{{- else -}}
{{- include "hop.shortName" (printf "%s-%s" .root.Release.Name .service) -}}
{{- end -}}
{{- end -}}
