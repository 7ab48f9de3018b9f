{{- /* hop-service.migrationName: name of the migration Job, its ServiceAccount and NetworkPolicy, "<fullname>-migrate" within 63 characters. */ -}}
{{- define "hop-service.migrationName" -}}
{{- include "hop-service.shortName" (printf "%s-migrate" (include "hop-service.fullname" .)) -}}
{{- end -}}
