{{- /* hop-service.spoolVolumeMount: where the spool volume (emptyDir or the pod's PersistentVolumeClaim) appears in the container. */ -}}
{{- define "hop-service.spoolVolumeMount" -}}
{{- if dig "spool" "enabled" false .Values }}
- name: spool
  mountPath: {{ .Values.spool.path }}
{{- end }}
{{- end -}}
