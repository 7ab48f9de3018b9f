{{- /* hop-service.serviceMonitor: Prometheus Operator scrape of /metrics on the management port. */ -}}
{{- define "hop-service.serviceMonitor" -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "hop-service.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "hop-service.labels" . | nindent 4 }}
    {{- with .Values.global.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "hop-service.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: management
      path: /metrics
      interval: {{ .Values.global.serviceMonitor.interval }}
      scrapeTimeout: {{ include "hop-service.scrapeTimeout" .Values.global.serviceMonitor.interval }}
{{- end -}}
