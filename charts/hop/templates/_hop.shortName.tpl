{{- /* hop.shortName: a name kept within 63 characters, the rule of the library's hop-service.shortName (cut to 54, suffixed with 8 hex of its sha256). */ -}}
{{- define "hop.shortName" -}}
{{- if le (len .) 63 -}}
{{- . -}}
{{- else -}}
{{- printf "%s-%s" (trunc 54 . | trimSuffix "-") (sha256sum . | trunc 8) -}}
{{- end -}}
{{- end -}}
