{{- /* hop-service.volumeMounts: where the volumes of hop-service.volumes appear in the container. */ -}}
{{- define "hop-service.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- include "hop-service.spoolVolumeMount" . }}
{{- if .Values.secrets }}
- name: secrets
  mountPath: /var/run/secrets/hop
  readOnly: true
{{- end }}
{{- if .Values.devSync.enabled }}
- name: source
  mountPath: {{ .Values.devSync.path }}
{{- end }}
{{- range $name, $mount := .Values.extraVolumeMounts }}
{{- if not (hasKey $.Values.extraVolumes $name) }}
{{- fail (printf "extraVolumeMounts.%s names no volume: add extraVolumes.%s" $name $name) }}
{{- end }}
- name: {{ $name }}
  {{- toYaml (omit $mount "name") | nindent 2 }}
{{- end }}
{{- end -}}
