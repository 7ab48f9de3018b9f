{{- /* hop.routes: .Values.routes as a list sorted longest path first (the catch-all "/" last), checked; a disabled service's routes left out. */ -}}
{{- define "hop.routes" -}}
{{- $byKey := dict -}}
{{- $services := keys .Subcharts | sortAlpha -}}{{- /* the services: this chart's dependencies */ -}}
{{- range $path, $service := .Values.routes -}}
{{- $disabled := and (hasKey $.Values $service) (eq (toString (dig "enabled" true (index $.Values $service))) "false") -}}{{- /* <service>.enabled: false leaves its routes out */ -}}
{{- if and (not (has $service $services)) (not $disabled) -}}
{{- fail (printf "routes.%s: %q is not a hop service (%s)" $path $service (join ", " $services)) -}}
{{- end -}}
{{- if not $disabled -}}
{{- $_ := set $byKey (printf "%04d%s" (sub 1000 (len $path)) $path) (dict "path" $path "service" $service) -}}
{{- end -}}
{{- end -}}
{{- $sorted := list -}}
{{- range keys $byKey | sortAlpha -}}
{{- $sorted = append $sorted (index $byKey .) -}}
{{- end -}}
{{- toYaml (dict "routes" $sorted) -}}
{{- end -}}
