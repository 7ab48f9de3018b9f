{{- /* hop-service.volumes: the writable emptyDir for /tmp (the root filesystem is read-only) and the secrets. */ -}}
{{- define "hop-service.volumes" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- include "hop-service.secretVolume" . }}
{{- end -}}
