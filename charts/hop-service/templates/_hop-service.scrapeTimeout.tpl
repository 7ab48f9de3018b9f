{{- /* hop-service.scrapeTimeout: the scrape timeout, 10s or the interval when shorter (Prometheus refuses a timeout above the interval). */ -}}
{{- define "hop-service.scrapeTimeout" -}}
{{- $interval := toString . -}}
{{- $match := regexFind "^[0-9]+(ms|s|m|h)$" $interval -}}
{{- if not $match -}}
{{- fail (printf "global.serviceMonitor.interval is %q; write a whole number with one unit: 500ms, 15s, 1m or 1h." $interval) -}}
{{- end -}}
{{- $unit := regexFind "[a-z]+$" $interval -}}
{{- $scale := get (dict "ms" 1 "s" 1000 "m" 60000 "h" 3600000) $unit -}}
{{- $ms := mul (int (trimSuffix $unit $interval)) $scale -}}
{{- if lt $ms 10000 }}{{ $interval }}{{ else }}10s{{ end -}}
{{- end -}}
