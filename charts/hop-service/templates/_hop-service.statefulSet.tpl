{{- /* hop-service.statefulSet: hop-service.deployment's pods as a StatefulSet: one pod at a time on rollouts, each pod's spool PersistentVolumeClaim kept through rollouts, rescheduling and scale-down. */ -}}
{{- define "hop-service.statefulSet" -}}
{{- $workload := include "hop-service.deployment" . | fromYaml -}}
{{- $spec := omit $workload.spec "strategy" -}}
{{- /* The pods' Service; per-pod DNS is never used, so no headless Service is needed. */ -}}
{{- $_ := set $spec "serviceName" (include "hop-service.fullname" .) -}}
{{- /* Parallel: scale-out under load starts every new pod at once (rollouts stay one at a time). */ -}}
{{- $_ := set $spec "podManagementPolicy" "Parallel" -}}
{{- $_ := set $spec "updateStrategy" (dict "type" "RollingUpdate") -}}
{{- /* Retain: a scaled-down or deleted pod's spool waits for the pod that takes its ordinal back. */ -}}
{{- $_ := set $spec "persistentVolumeClaimRetentionPolicy" (dict "whenDeleted" "Retain" "whenScaled" "Retain") -}}
{{- $_ := set $spec "volumeClaimTemplates" (include "hop-service.spoolClaim" . | fromYamlArray) -}}
{{- $_ := set $workload "kind" "StatefulSet" -}}
{{- $_ := set $workload.metadata "name" (include "hop-service.workloadName" .) -}}
{{- $_ := set $workload "spec" $spec -}}
{{- toYaml $workload }}
{{- end -}}
