{{- /* hop-service.peerName: the Service name of another hop service of this release (the rule of hop-service.fullname). */ -}}
{{- define "hop-service.peerName" -}}
{{- if contains .service .root.Release.Name -}}
{{- .root.Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .root.Release.Name .service | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
