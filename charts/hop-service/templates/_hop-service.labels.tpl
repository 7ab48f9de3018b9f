{{- /* hop-service.labels: the recommended Kubernetes labels every object of the service carries. */ -}}
{{- define "hop-service.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "hop-service.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: hop
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
