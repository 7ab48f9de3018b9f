{{- /* hop.routes: .Values.routes as a list sorted longest path first (the catch-all "/" last), checked. */ -}}
{{- define "hop.routes" -}}
{{- $byKey := dict -}}
{{- range $path, $service := .Values.routes -}}
{{- if not (has $service (list "links" "redirect" "analytics" "console")) -}}
{{- fail (printf "routes.%s: %q is not a hop service (links, redirect, analytics or console)" $path $service) -}}
{{- end -}}
{{- $_ := set $byKey (printf "%04d%s" (sub 1000 (len $path)) $path) (dict "path" $path "service" $service) -}}
{{- end -}}
{{- $sorted := list -}}
{{- range keys $byKey | sortAlpha -}}
{{- $sorted = append $sorted (index $byKey .) -}}
{{- end -}}
{{- toYaml (dict "routes" $sorted) -}}
{{- end -}}
