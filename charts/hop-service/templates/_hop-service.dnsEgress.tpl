{{- /* hop-service.dnsEgress: the egress rule to cluster DNS (UDP and TCP); none when `to` is empty, since `to: []` would admit every destination. */ -}}
{{- define "hop-service.dnsEgress" -}}
{{- if .to -}}
- to:
    {{- toYaml .to | nindent 4 }}
  ports:
    {{- range .ports }}
    - {port: {{ . }}, protocol: UDP}
    - {port: {{ . }}, protocol: TCP}
    {{- end }}
{{- end -}}
{{- end -}}
