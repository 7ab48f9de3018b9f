{{- /* hop-service.migrationLabels: labels of the migration Job and its pod; component "migration" keeps them out of the Service, PDB and Deployment selectors. */ -}}
{{- define "hop-service.migrationLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "hop-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: migration
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: hop
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
