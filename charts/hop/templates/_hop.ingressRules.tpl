{{- /* hop.ingressRules: the Ingress rules for global.host, one path per route of .routes (default: every route of hop.routes). */ -}}
{{- define "hop.ingressRules" -}}
{{- $root := .root -}}
- host: {{ $root.Values.global.host | quote }}
  http:
    paths:
      {{- range (.routes | default (include "hop.routes" $root | fromYaml).routes) }}
      - path: {{ .path }}
        pathType: Prefix
        backend:
          service:
            name: {{ include "hop.backend" (dict "service" .service "root" $root) }}
            port:
              name: http
      {{- end }}
{{- end -}}
