{{- /* hop.ingressFlavor: whose annotations the Ingress carries: "nginx" (a className containing nginx, or nginx.enabled with traefik.enabled off), "other" (GKE's and the AWS Load Balancer Controller's classes, which make a load balancer per Ingress, whatever traefik.enabled says; or traefik.enabled off: exposure.ingress.annotations only) or "traefik" (traefik.enabled). */ -}}
{{- define "hop.ingressFlavor" -}}
{{- $ing := .Values.exposure.ingress -}}
{{- if contains "nginx" $ing.className -}}
nginx
{{- else if has $ing.className (list "gce" "gce-internal" "alb") -}}
other
{{- else if and $ing.traefik.enabled $ing.nginx.enabled -}}
{{- fail (printf "exposure.ingress.traefik.enabled and exposure.ingress.nginx.enabled are both true with className %q: keep the one of the controller you run (set the other to false)" $ing.className) -}}
{{- else if $ing.nginx.enabled -}}
nginx
{{- else if $ing.traefik.enabled -}}
traefik
{{- else -}}
other
{{- end -}}
{{- end -}}
