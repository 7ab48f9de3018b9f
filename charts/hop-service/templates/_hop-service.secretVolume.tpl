{{- /* hop-service.secretVolume: one projected volume with a file per secret (HOP_<NAME>_URL unless `file` names it; the redis one also as HOP_RATE_LIMIT_REDIS_URL with rateLimit.redis), read through HOP_SECRETS_DIR. */ -}}
{{- define "hop-service.secretVolume" -}}
{{- if .Values.secrets }}
- name: secrets
  projected:
    defaultMode: 0440
    sources:
    {{- range $name, $ref := .Values.secrets }}
      {{- if not $ref.name }}
        {{- fail (printf "secrets.%s.name is required: the name of an existing Secret holding the %s URL" $name $name) }}
      {{- end }}
      - secret:
          name: {{ $ref.name }}
          items:
            - key: {{ $ref.key }}
              path: {{ $ref.file | default (printf "HOP_%s_URL" ($name | snakecase | upper)) }}
            {{- if and (eq $name "redis") $.Values.rateLimit.redis }}
            - key: {{ $ref.key }}
              path: HOP_RATE_LIMIT_REDIS_URL
            {{- end }}
    {{- end }}
{{- end }}
{{- end -}}
