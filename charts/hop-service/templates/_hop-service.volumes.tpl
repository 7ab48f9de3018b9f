{{- /* hop-service.volumes: the writable emptyDir for /tmp (the root filesystem is read-only), the secrets, the dev source copy and extraVolumes. */ -}}
{{- define "hop-service.volumes" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- include "hop-service.secretVolume" . }}
{{- include "hop-service.spoolVolume" . }}
{{- if .Values.devSync.enabled }}
- name: source
  emptyDir: {}
{{- end }}
{{- range $name, $source := .Values.extraVolumes }}
- name: {{ $name }}
  {{- toYaml $source | nindent 2 }}
{{- end }}
{{- end -}}
