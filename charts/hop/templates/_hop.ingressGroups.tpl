{{- /* hop.ingressGroups: the routes grouped by body cap (global.limits): one group, or the ":batch" routes apart ("-batch") when their cap differs. */ -}}
{{- define "hop.ingressGroups" -}}
{{- $limits := .Values.global.limits -}}
{{- $single := list -}}
{{- $batch := list -}}
{{- range (include "hop.routes" . | fromYaml).routes -}}
{{- if and (hasSuffix ":batch" .path) (ne (int $limits.maxBatchBodyBytes) (int $limits.maxBodyBytes)) -}}
{{- $batch = append $batch . -}}
{{- else -}}
{{- $single = append $single . -}}
{{- end -}}
{{- end -}}
{{- $groups := list (dict "suffix" "" "maxBodyBytes" (int $limits.maxBodyBytes) "routes" $single) -}}
{{- if $batch -}}
{{- $groups = append $groups (dict "suffix" "-batch" "maxBodyBytes" (int $limits.maxBatchBodyBytes) "routes" $batch) -}}
{{- end -}}
{{- toYaml (dict "groups" $groups) -}}
{{- end -}}
