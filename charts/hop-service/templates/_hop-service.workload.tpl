{{- /* hop-service.workload: the Deployment, or with a persistent spool the same pods as a StatefulSet whose volumeClaimTemplates give each pod's successor its spool. */ -}}
{{- define "hop-service.workload" -}}
{{- if eq (include "hop-service.workloadKind" .) "Deployment" -}}
{{- include "hop-service.deployment" . }}
{{- else -}}
{{- include "hop-service.statefulSet" . }}
{{- end -}}
{{- end -}}
