{{- /* hop.domainRules: the Ingress rules of the branded domains (global.domains, then a rule without a host with exposure.domains.catchAll), each with the domain routes among .routes. */ -}}
{{- define "hop.domainRules" -}}
{{- $root := .root -}}
{{- $routes := (include "hop.domainRoutes" . | fromYaml).routes -}}
{{- $hosts := (include "hop.domains" $root | fromYaml).domains -}}
{{- if $root.Values.exposure.domains.catchAll -}}
{{- $hosts = append $hosts "" -}}
{{- end -}}
{{- if $routes -}}
{{- range $hosts }}
- {{ with . }}host: {{ . | quote }}
  {{ end }}http:
    paths:
      {{- range $routes }}
      - path: {{ .path }}
        pathType: Prefix
        backend:
          service:
            name: {{ include "hop.backend" (dict "service" .service "root" $root) }}
            port:
              name: http
      {{- end }}
{{- end }}
{{- end -}}
{{- end -}}
