{{- /* hop-service.configmap: the non-secret HOP_* settings, read by the container through envFrom. */ -}}
{{- define "hop-service.configmap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "hop-service.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "hop-service.labels" . | nindent 4 }}
data:
  {{- include "hop-service.env" . | nindent 2 }}
{{- end -}}
