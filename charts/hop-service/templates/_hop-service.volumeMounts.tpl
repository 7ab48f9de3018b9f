{{- /* hop-service.volumeMounts: where the volumes of hop-service.volumes appear in the container. */ -}}
{{- define "hop-service.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.secrets }}
- name: secrets
  mountPath: /var/run/secrets/hop
  readOnly: true
{{- end }}
{{- end -}}
