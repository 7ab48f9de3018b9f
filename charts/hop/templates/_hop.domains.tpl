{{- /* hop.domains: global.domains checked: none may be global.host (its routes are the full API). */ -}}
{{- define "hop.domains" -}}
{{- $domains := .Values.global.domains | default list -}}
{{- if has .Values.global.host $domains -}}
{{- fail (printf "global.domains lists %q, which is global.host: the host already serves every route; remove it from global.domains" .Values.global.host) -}}
{{- end -}}
{{- toYaml (dict "domains" $domains) -}}
{{- end -}}
