{{- /* hop-service.migrationNetworkPolicy: hook NetworkPolicy created before the migration Job: no ingress, egress to DNS and the database only. */ -}}
{{- define "hop-service.migrationNetworkPolicy" -}}
{{- $np := .Values.global.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "hop-service.fullname" . }}-migrate
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
  egress:
    - to:
        {{- toYaml $np.dns.to | nindent 8 }}
      ports:
        {{- range $np.dns.ports }}
        - {port: {{ . }}, protocol: UDP}
        - {port: {{ . }}, protocol: TCP}
        {{- end }}
    - to:
        {{- toYaml $np.database.to | nindent 8 }}
      ports:
        {{- range $np.database.ports }}
        - {port: {{ . }}, protocol: TCP}
        {{- end }}
{{- end -}}
