{{- /* hop-service.platformHosts: redirect's HOP_PLATFORM_HOSTS, comma-separated: global.host, the service's in-cluster names (what in-cluster callers send as Host) and settings.platformHosts. */ -}}
{{- define "hop-service.platformHosts" -}}
{{- $full := include "hop-service.fullname" . -}}
{{- $ns := .Release.Namespace -}}
{{- $names := list (.Values.global.host | default "") $full (printf "%s.%s" $full $ns) (printf "%s.%s.svc" $full $ns) -}}
{{- join "," (compact (concat $names (.Values.settings.platformHosts | default list))) -}}
{{- end -}}
