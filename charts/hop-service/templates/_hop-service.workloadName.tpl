{{- /* hop-service.workloadName: the serving workload's name: hop-service.fullname, a StatefulSet's cut as hop-service.shortName cuts but within 52 characters (its pods' label controller-revision-hash is "<name>-<10-character hash>", at most 63; its claims "spool-<name>-<ordinal>" stay within 63 too). */ -}}
{{- define "hop-service.workloadName" -}}
{{- $name := include "hop-service.fullname" . -}}
{{- if and (eq (include "hop-service.workloadKind" .) "StatefulSet") (gt (len $name) 52) -}}
{{- printf "%s-%s" (trunc 43 $name | trimSuffix "-") (sha256sum $name | trunc 8) -}}
{{- else -}}
{{- $name -}}
{{- end -}}
{{- end -}}
