{{- /* hop-service.podDisruptionBudget: keeps all but maxUnavailable pods through voluntary disruptions. */ -}}
{{- define "hop-service.podDisruptionBudget" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "hop-service.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "hop-service.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .Values.podDisruptionBudget.maxUnavailable }}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "hop-service.selectorLabels" . | nindent 6 }}
{{- end -}}
