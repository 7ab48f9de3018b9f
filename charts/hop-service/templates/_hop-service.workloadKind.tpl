{{- /* hop-service.workloadKind: StatefulSet when the spool is persistent (a PersistentVolumeClaim per pod, kept by its successor), else Deployment. */ -}}
{{- define "hop-service.workloadKind" -}}
{{- if dig "spool" "persistent" "enabled" false .Values -}}
StatefulSet
{{- else -}}
Deployment
{{- end -}}
{{- end -}}
