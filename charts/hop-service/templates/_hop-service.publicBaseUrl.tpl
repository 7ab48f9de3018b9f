{{- /* hop-service.publicBaseUrl: the URL clients reach hop at, from global.host and global.https (the Ingress/HTTPRoute serve the same host). */ -}}
{{- define "hop-service.publicBaseUrl" -}}
{{- $host := required "global.host is required: the public host name clients use (e.g. --set global.host=hop.example.com)" .Values.global.host -}}
{{- printf "%s://%s" (ternary "https" "http" (.Values.global.https | default false)) $host -}}
{{- end -}}
