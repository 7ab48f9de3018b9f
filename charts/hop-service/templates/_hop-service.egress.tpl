{{- /* hop-service.egress: one TCP egress rule to an edge's peers ({to, ports}); none when `to` is empty, since `to: []` would admit every destination. */ -}}
{{- define "hop-service.egress" -}}
{{- if .to -}}
- to:
    {{- toYaml .to | nindent 4 }}
  ports:
    {{- range .ports }}
    - {port: {{ . }}, protocol: TCP}
    {{- end }}
{{- end -}}
{{- end -}}
