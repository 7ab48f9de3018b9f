{{- /* hop-service.all: every object of a hop service, from its values over the library's defaults; a thin chart's one template includes only this. The ServiceMonitor renders only where the cluster serves its API. */ -}}
{{- define "hop-service.all" -}}
{{- include "hop-service.values" . }}
{{- include "hop-service.preflight" . }}
{{- include "hop-service.serviceAccount" . }}
---
{{ include "hop-service.configmap" . }}
---
{{ include "hop-service.service" . }}
---
{{ include "hop-service.workload" . }}
{{- if .Values.podDisruptionBudget.enabled }}
---
{{ include "hop-service.podDisruptionBudget" . }}
{{- end }}
{{- if .Values.autoscaling.enabled }}
---
{{ include "hop-service.horizontalPodAutoscaler" . }}
{{- end }}
{{- if and .Values.global.serviceMonitor.enabled (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor") }}
---
{{ include "hop-service.serviceMonitor" . }}
{{- end }}
{{- if .Values.global.networkPolicy.enabled }}
---
{{ include "hop-service.networkPolicy" . }}
{{- end }}
{{- if .Values.migration.enabled }}
---
{{ include "hop-service.migrationServiceAccount" . }}
{{- if .Values.global.networkPolicy.enabled }}
---
{{ include "hop-service.migrationNetworkPolicy" . }}
{{- end }}
---
{{ include "hop-service.migrationJob" . }}
{{- end }}
{{- end -}}
