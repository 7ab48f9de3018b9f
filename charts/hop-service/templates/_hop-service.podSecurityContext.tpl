{{- /* hop-service.podSecurityContext: podSecurityContext (non-root UID/GID/fsGroup 10001, seccomp RuntimeDefault by default); keys set to null are left to the cluster. */ -}}
{{- define "hop-service.podSecurityContext" -}}
{{- include "hop-service.withoutNulls" .Values.podSecurityContext -}}
{{- end -}}
