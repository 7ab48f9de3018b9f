{{- /* hop.nginxAnnotations: ingress-nginx's annotations for one Ingress: its routes' body cap (.maxBodyBytes) and exposure.ingress.limits per client address. */ -}}
{{- define "hop.nginxAnnotations" -}}
{{- $limits := .root.Values.exposure.ingress.limits -}}
nginx.ingress.kubernetes.io/proxy-body-size: {{ int .maxBodyBytes | toString | quote }}
nginx.ingress.kubernetes.io/limit-rps: {{ int $limits.rateAverage | toString | quote }}
nginx.ingress.kubernetes.io/limit-burst-multiplier: {{ max 1 (div (int $limits.rateBurst) (int $limits.rateAverage)) | toString | quote }}
nginx.ingress.kubernetes.io/limit-connections: {{ int $limits.connections | toString | quote }}
{{- end -}}
