{{- /* hop.tls: the checked TLS settings: fails when global.https asks for a certificate no value names. */ -}}
{{- define "hop.tls" -}}
{{- if and .Values.global.https (not .Values.exposure.tls.secretName) -}}
{{- fail "exposure.tls.secretName is required when global.https is true: an existing Secret with the certificate, or the one exposure.tls.issuer (cert-manager) fills; set global.https=false to serve plain HTTP" -}}
{{- end -}}
{{- end -}}
