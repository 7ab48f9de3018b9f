{{- /* hop-service.containerSecurityContext: containerSecurityContext (read-only root, no privilege escalation, every capability dropped by default); keys set to null are left to the cluster. */ -}}
{{- define "hop-service.containerSecurityContext" -}}
{{- include "hop-service.withoutNulls" .Values.containerSecurityContext -}}
{{- end -}}
