{{- /* hop-service.migrationServiceAccount: hook ServiceAccount for the migration Job (exists before the release's own objects; deleted once the hooks succeeded, so uninstall leaves nothing). */ -}}
{{- define "hop-service.migrationServiceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "hop-service.migrationName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "hop-service.labels" . | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-10"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
  {{- with .Values.serviceAccount.annotations }}
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end -}}
