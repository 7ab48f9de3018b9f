{{- /* hop.labels: the recommended labels of the umbrella's own objects (Ingress, HTTPRoute). */ -}}
{{- define "hop.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: hop
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: hop
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
