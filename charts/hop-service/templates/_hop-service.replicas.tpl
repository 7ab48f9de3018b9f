{{- /* hop-service.replicas: replicaCount, or with the HPA on the Deployment's current count (never below minReplicas), so the first install starts minReplicas and an upgrade never scales the HPA's work back. */ -}}
{{- define "hop-service.replicas" -}}
{{- $a := .Values.autoscaling -}}
{{- if not $a.enabled -}}
{{- .Values.replicaCount -}}
{{- else -}}
{{- if gt (int $a.minReplicas) (int $a.maxReplicas) -}}
{{- fail (printf "autoscaling.minReplicas (%v) must not exceed autoscaling.maxReplicas (%v)" $a.minReplicas $a.maxReplicas) -}}
{{- end -}}
{{- $current := lookup "apps/v1" (include "hop-service.workloadKind" .) .Release.Namespace (include "hop-service.fullname" .) -}}
{{- $replicas := int (dig "spec" "replicas" 0 $current) -}}
{{- max (int $a.minReplicas) (min $replicas (int $a.maxReplicas)) -}}
{{- end -}}
{{- end -}}
