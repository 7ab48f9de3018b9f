{{- /* hop-service.migrationNetworkPolicy: hook NetworkPolicy created before the migration Job: no ingress, egress to DNS and the database only. */ -}}
{{- define "hop-service.migrationNetworkPolicy" -}}
{{- $np := .Values.global.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "hop-service.migrationName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "hop-service.migrationLabels" . | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-10"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ include "hop-service.name" . }}
      app.kubernetes.io/instance: {{ .Release.Name }}
      app.kubernetes.io/component: migration
  policyTypes: [Ingress, Egress]
  {{- $egress := printf "%s\n%s" (include "hop-service.dnsEgress" $np.dns) (include "hop-service.egress" $np.database) | trim }}
  egress:{{ if $egress }}{{ $egress | nindent 4 }}{{ else }} []{{ end }}
{{- end -}}
