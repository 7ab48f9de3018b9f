{{- /* hop-service.horizontalPodAutoscaler: optional CPU-based autoscaling between min and max replicas. */ -}}
{{- define "hop-service.horizontalPodAutoscaler" -}}
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
    name: {{ include "hop-service.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .Values.autoscaling.targetCPUUtilizationPercentage }}
{{- end -}}
