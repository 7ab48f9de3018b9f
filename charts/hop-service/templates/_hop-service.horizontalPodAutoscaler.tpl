{{- /* hop-service.horizontalPodAutoscaler: optional CPU-based autoscaling between min and max replicas; the Deployment then renders no replicas (the HPA owns the count). */ -}}
{{- define "hop-service.horizontalPodAutoscaler" -}}
{{- $a := .Values.autoscaling -}}
{{- if gt (int $a.minReplicas) (int $a.maxReplicas) -}}
{{- fail (printf "autoscaling.minReplicas (%v) must not exceed autoscaling.maxReplicas (%v)" $a.minReplicas $a.maxReplicas) -}}
{{- end -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "hop-service.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "hop-service.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: {{ include "hop-service.workloadKind" . }}
    name: {{ include "hop-service.workloadName" . }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage }}
{{- end -}}
