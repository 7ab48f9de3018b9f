{{- /* hop.domainSecret: the TLS Secret of one branded domain (.name), written by its Certificate (cert-manager) or by the operator. */ -}}
{{- define "hop.domainSecret" -}}
{{- include "hop.shortName" (printf "%s-domain-%s-tls" .root.Release.Name (.name | replace "." "-")) -}}
{{- end -}}
