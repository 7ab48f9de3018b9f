{{- /* hop.ingressGroups: the routes grouped by body cap (global.limits): one group, or the ":batch" routes apart ("-batch") when their cap differs and the controller caps bodies per Ingress (Traefik, ingress-nginx). Any other controller gets one Ingress: GKE and ALB make a load balancer per Ingress, and the services cap bodies themselves. */ -}}
{{- define "hop.ingressGroups" -}}
{{- $limits := .Values.global.limits -}}
{{- $split := has (include "hop.ingressFlavor" .) (list "traefik" "nginx") -}}
{{- $single := list -}}
{{- $batch := list -}}
{{- range (include "hop.routes" . | fromYaml).routes -}}
{{- if and $split (hasSuffix ":batch" .path) (ne (int $limits.maxBatchBodyBytes) (int $limits.maxBodyBytes)) -}}
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
