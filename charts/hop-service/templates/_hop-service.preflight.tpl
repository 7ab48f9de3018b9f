{{- /* hop-service.preflight: on a real install or upgrade, fail at once naming a Secret (or key) in secrets.* that does not exist, rather than leave pods in CreateContainerConfigError; skipped where lookup cannot run. */ -}}
{{- define "hop-service.preflight" -}}
{{- $existing := include "hop-service.existingSecrets" . | fromYaml -}}
{{- if $existing.available -}}
{{- $service := include "hop-service.name" . -}}
{{- range $name, $ref := .Values.secrets -}}
{{- if $ref -}}
{{- $keys := get $existing.secrets $ref.name -}}
{{- if not (hasKey $existing.secrets $ref.name) -}}
{{- fail (printf "%s.secrets.%s names the Secret %q, which does not exist in namespace %q: create it (kubectl -n %s create secret generic %s --from-literal=%s=...) or point %s.secrets.%s.name at an existing one (charts/README.md, \"Install from a clone\")." $service $name $ref.name $.Release.Namespace $.Release.Namespace $ref.name $ref.key $service $name) -}}
{{- end -}}
{{- if not (has $ref.key $keys) -}}
{{- fail (printf "%s.secrets.%s names the key %q of the Secret %q, which holds only %v: add the key or set %s.secrets.%s.key." $service $name $ref.key $ref.name $keys $service $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
