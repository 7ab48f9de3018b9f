{{- /* hop-service.spoolVolume: the pod volume of a spool that is not persistent: an emptyDir on the node's disk (never medium Memory), as large as the spool. */ -}}
{{- define "hop-service.spoolVolume" -}}
{{- if and (dig "spool" "enabled" false .Values) (not .Values.spool.persistent.enabled) }}
- name: spool
  emptyDir:
    sizeLimit: {{ printf "%dMi" (int .Values.spool.sizeMi) }}
{{- end }}
{{- end -}}
