{{- /* hop-service.peers: NetworkPolicy peers of the hop services named in a list (serving pods of this release). */ -}}
{{- define "hop-service.peers" -}}
{{- range .names }}
- podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ . }}
      app.kubernetes.io/instance: {{ $.root.Release.Name }}
      app.kubernetes.io/component: api
{{- end }}
{{- end -}}
