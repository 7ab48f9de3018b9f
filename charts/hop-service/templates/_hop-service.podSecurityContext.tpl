{{- /* hop-service.podSecurityContext: non-root UID/GID 10001, fsGroup, seccomp RuntimeDefault. */ -}}
{{- define "hop-service.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}
