{{- /* hop-service.namedContainers: containers from a map keyed by name (initContainers, sidecars); sidecars get restartPolicy Always (native sidecars). */ -}}
{{- define "hop-service.namedContainers" -}}
{{- range $name, $spec := .containers }}
{{- if not (kindIs "map" $spec) }}
{{- fail (printf "%s.%s must be a container spec (a map with at least image)" $.key $name) }}
{{- end }}
{{- if not $spec.image }}
{{- fail (printf "%s.%s.image is required" $.key $name) }}
{{- end }}
- name: {{ $name }}
  {{- if $.sidecar }}
  restartPolicy: Always
  {{- end }}
  {{- toYaml (omit $spec "name" "restartPolicy") | nindent 2 }}
{{- end }}
{{- end -}}
