{{- /* hop-service.peerName: the Service name of another hop service of this release (the rule of hop-service.fullname). */ -}}
{{- define "hop-service.peerName" -}}
{{- if contains .service .root.Release.Name -}}
{{- include "hop-service.shortName" .root.Release.Name -}}
{{- else -}}
{{- include "hop-service.shortName" (printf "%s-%s" .root.Release.Name .service) -}}
{{- end -}}
{{- end -}}
