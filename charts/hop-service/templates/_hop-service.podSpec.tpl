{{- /* hop-service.podSpec: what the serving pods and the migration pod share: account, hardening, scheduling, pull secrets, init containers, sidecars, volumes. */ -}}
{{- define "hop-service.podSpec" -}}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- include "hop-service.podSecurityContext" . | nindent 2 }}
{{- with include "hop-service.imagePullSecrets" . }}
imagePullSecrets:
  {{- . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if or .Values.devSync.enabled .Values.initContainers .Values.sidecars }}
initContainers:
  {{- if .Values.devSync.enabled }}
  - name: copy-source
    image: {{ include "hop-service.image" . }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    command: [cp, -a, {{ printf "%s/." .Values.devSync.path | quote }}, /source/]
    resources:
      {{- toYaml .Values.migration.resources | nindent 6 }}
    securityContext:
      {{- include "hop-service.containerSecurityContext" . | nindent 6 }}
    volumeMounts:
      - {name: source, mountPath: /source}
  {{- end }}
  {{- include "hop-service.namedContainers" (dict "containers" .Values.initContainers "key" "initContainers" "sidecar" false) | nindent 2 }}
  {{- include "hop-service.namedContainers" (dict "containers" .Values.sidecars "key" "sidecars" "sidecar" true) | nindent 2 }}
{{- end }}
volumes:
  {{- include "hop-service.volumes" . | nindent 2 }}
{{- end -}}
