{{- /* hop-service.values: set .Values to the chart's values merged over global.serviceDefaults (the profile's per-environment defaults) over hop-service.defaults (theirs win); the entrypoint calls it first. */ -}}
{{- define "hop-service.values" -}}
{{- $defaults := include "hop-service.defaults" . | fromYaml -}}
{{- if hasKey $defaults "Error" -}}
{{- fail (printf "hop-service.defaults is not valid YAML: %s" $defaults.Error) -}}
{{- end -}}
{{- $environment := deepCopy (.Values.global.serviceDefaults | default dict) -}}
{{- $_ := set . "Values" (mustMergeOverwrite $defaults $environment .Values) -}}
{{- end -}}
