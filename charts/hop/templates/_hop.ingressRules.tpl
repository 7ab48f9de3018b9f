{{- /* hop.ingressRules: the Ingress rules for global.host, one path per route of hop.routes. */ -}}
{{- define "hop.ingressRules" -}}
- host: {{ .Values.global.host | quote }}
  http:
    paths:
      {{- range (include "hop.routes" . | fromYaml).routes }}
      - path: {{ .path }}
        pathType: Prefix
        backend:
          service:
            name: {{ include "hop.backend" (dict "service" .service "root" $) }}
            port:
              name: http
      {{- end }}
{{- end -}}
