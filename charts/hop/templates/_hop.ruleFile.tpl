{{- /* hop.ruleFile: the generated rule file (files/rules) with runbook links pointing at prometheusRule.runbookUrl. */ -}}
{{- define "hop.ruleFile" -}}
{{- $generated := "https://hop.example.com/docs/runbooks.md" -}}
{{- .Files.Get "files/rules/hop.rules.yaml" | replace $generated .Values.prometheusRule.runbookUrl -}}
{{- end -}}
