{{- /* hop-service.fullname: object name, "<release>-<service>" unless the release already says it. */ -}}
{{- define "hop-service.fullname" -}}
{{- include "hop-service.peerName" (dict "service" (include "hop-service.name" .) "root" .) -}}
{{- end -}}
