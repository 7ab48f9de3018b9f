{{- /* hop-service.imagePullSecrets: global.imagePullSecrets then the service's own, as the pod spec's list. */ -}}
{{- define "hop-service.imagePullSecrets" -}}
{{- range uniq (concat (.Values.global.imagePullSecrets | default list) .Values.imagePullSecrets) }}
- name: {{ . }}
{{- end }}
{{- end -}}
