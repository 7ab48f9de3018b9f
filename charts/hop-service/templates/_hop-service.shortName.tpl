{{- /* hop-service.shortName: a name kept within 63 characters (object names that become label values, DNS labels): a longer one is cut to 54 and suffixed with 8 hex of its sha256, so two long names never collide. */ -}}
{{- define "hop-service.shortName" -}}
{{- if le (len .) 63 -}}
{{- . -}}
{{- else -}}
{{- printf "%s-%s" (trunc 54 . | trimSuffix "-") (sha256sum . | trunc 8) -}}
{{- end -}}
{{- end -}}
