{{- /* hop.tls: the checked TLS settings: fails when global.https asks for a certificate no value names, or (on a real install of an Ingress without cert-manager) names a Secret that does not exist. */ -}}
{{- define "hop.tls" -}}
{{- $tls := .Values.exposure.tls -}}
{{- if and .Values.global.https (not $tls.secretName) -}}
{{- fail "exposure.tls.secretName is required when global.https is true: an existing Secret with the certificate, or the one exposure.tls.issuer (cert-manager) fills; set global.https=false to serve plain HTTP" -}}
{{- end -}}
{{- $namespaceSecrets := lookup "v1" "Secret" .Release.Namespace "" -}}
{{- if and .Values.global.https (not $tls.issuer) (hasKey $namespaceSecrets "items") -}}
{{- if not (lookup "v1" "Secret" .Release.Namespace $tls.secretName) -}}
{{- fail (printf "exposure.tls.secretName names the Secret %q, which does not exist in namespace %q: create it (kubectl -n %s create secret tls %s --cert=tls.crt --key=tls.key), let cert-manager write it (exposure.tls.issuer), or set global.https=false; without it the controller serves its own self-signed certificate." $tls.secretName .Release.Namespace .Release.Namespace $tls.secretName) -}}
{{- end -}}
{{- end -}}
{{- end -}}
