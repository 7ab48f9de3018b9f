{{- /* hop-service.gracePeriod: terminationGracePeriodSeconds, checked against preStop + delay + drain + 5 s. */ -}}
{{- define "hop-service.gracePeriod" -}}
{{- $s := .Values.shutdown -}}
{{- $budget := add $s.preStopSeconds $s.delaySeconds $s.drainSeconds 5 -}}
{{- if le (int $s.terminationGracePeriodSeconds) (int $budget) -}}
{{- fail (printf "shutdown.terminationGracePeriodSeconds (%v) must exceed shutdown.preStopSeconds + shutdown.delaySeconds + shutdown.drainSeconds + 5 = %v" $s.terminationGracePeriodSeconds $budget) -}}
{{- end -}}
{{- $s.terminationGracePeriodSeconds -}}
{{- end -}}
