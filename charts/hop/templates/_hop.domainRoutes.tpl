{{- /* hop.domainRoutes: the routes a branded domain serves, from .routes (default: every route of hop.routes): the catch-all "/" (redirect) and the /.well-known/ ones (links' ownership challenge); never the API or the console. */ -}}
{{- define "hop.domainRoutes" -}}
{{- $kept := list -}}
{{- range (.routes | default (include "hop.routes" .root | fromYaml).routes) -}}
{{- if or (eq .path "/") (hasPrefix "/.well-known/" .path) -}}
{{- $kept = append $kept . -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "routes" $kept) -}}
{{- end -}}
