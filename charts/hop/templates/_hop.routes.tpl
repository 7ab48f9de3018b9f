{{- /* hop.routes: .Values.routes as a list sorted longest path first (the catch-all "/" last), checked. */ -}}
{{- define "hop.routes" -}}
{{- $byKey := dict -}}
{{- $services := keys .Subcharts | sortAlpha -}}{{- /* the services: this chart's dependencies */ -}}
{{- range $path, $service := .Values.routes -}}
{{- if not (has $service $services) -}}
{{- fail (printf "routes.%s: %q is not a hop service (%s)" $path $service (join ", " $services)) -}}
{{- end -}}
{{- $_ := set $byKey (printf "%04d%s" (sub 1000 (len $path)) $path) (dict "path" $path "service" $service) -}}
{{- end -}}
{{- $sorted := list -}}
{{- range keys $byKey | sortAlpha -}}
{{- $sorted = append $sorted (index $byKey .) -}}
{{- end -}}
{{- toYaml (dict "routes" $sorted) -}}
{{- end -}}
