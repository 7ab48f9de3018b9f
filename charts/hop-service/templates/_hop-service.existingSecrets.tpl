{{- /* hop-service.existingSecrets: the release namespace's Secrets by name, as YAML ({available: false} where lookup cannot reach a cluster: helm template, client dry-run). */ -}}
{{- define "hop-service.existingSecrets" -}}
{{- $list := lookup "v1" "Secret" .Release.Namespace "" -}}
{{- $byName := dict -}}
{{- range ($list.items | default list) -}}
{{- $_ := set $byName .metadata.name (keys (.data | default dict)) -}}
{{- end -}}
{{- toYaml (dict "available" (hasKey $list "items") "secrets" $byName) -}}
{{- end -}}
