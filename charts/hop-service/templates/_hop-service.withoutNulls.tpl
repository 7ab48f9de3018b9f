{{- /* hop-service.withoutNulls: a map as YAML without its null keys (an operator's null unsets a default). */ -}}
{{- define "hop-service.withoutNulls" -}}
{{- $kept := dict -}}
{{- range $key, $value := . -}}
{{- if not (kindIs "invalid" $value) }}{{ $_ := set $kept $key $value }}{{ end -}}
{{- end -}}
{{- toYaml $kept -}}
{{- end -}}
