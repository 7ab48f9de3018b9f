{{- /* hop.publicUrl: the URL clients reach hop at (the rule of hop-service.publicBaseUrl). */ -}}
{{- define "hop.publicUrl" -}}
{{- printf "%s://%s" (ternary "https" "http" (.Values.global.https | default false)) .Values.global.host -}}
{{- end -}}
