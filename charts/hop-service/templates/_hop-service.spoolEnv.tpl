{{- /* hop-service.spoolEnv: HOP_CLICK_SPOOL_* from the spool's volume: the budget is spool.budgetPercent of spool.sizeMi, split between the workers; events at spool.eventBytes each. */ -}}
{{- define "hop-service.spoolEnv" -}}
{{- if dig "spool" "enabled" false .Values }}
{{- $spool := .Values.spool -}}
{{- if not (and (ge (int $spool.budgetPercent) 1) (le (int $spool.budgetPercent) 100)) -}}
{{- fail (printf "spool.budgetPercent (%v) must be between 1 and 100: the share of spool.sizeMi the budget takes" $spool.budgetPercent) -}}
{{- end -}}
{{- $bytes := div (mul (int64 $spool.sizeMi) 1048576 (int64 $spool.budgetPercent)) (mul 100 (int64 .Values.settings.workers)) }}
HOP_CLICK_SPOOL_DIR: {{ $spool.path | quote }}
HOP_CLICK_SPOOL_PERSISTENT: {{ $spool.persistent.enabled | toString | quote }}
HOP_CLICK_SPOOL_MAX_BYTES: {{ $bytes | toString | quote }}
HOP_CLICK_SPOOL_MAX_EVENTS: {{ div $bytes (int64 $spool.eventBytes) | toString | quote }}
{{- end }}
{{- end -}}
