{{- /* hop.smokeImage: the links image (it carries Python), referenced as the links chart does. */ -}}
{{- define "hop.smokeImage" -}}
{{- $image := .Values.links.image | default dict -}}
{{- $repo := required "links.image.repository is required" $image.repository -}}
{{- with .Values.global.imageRegistry }}{{ $repo = printf "%s/%s" . $repo }}{{ end -}}
{{- $ref := printf "%s:%s" $repo (default .Chart.AppVersion $image.tag) -}}
{{- with $image.digest }}{{ $ref = printf "%s@%s" $ref . }}{{ end -}}
{{- $ref -}}
{{- end -}}
{{- /* hop.smokeImagePullPolicy: the links pods' pull policy, merged as the library merges it: links.image over global.serviceDefaults.image over the library's IfNotPresent. */ -}}
{{- define "hop.smokeImagePullPolicy" -}}
{{- $environment := dig "serviceDefaults" "image" dict (.Values.global | default dict) -}}
{{- $own := dig "image" dict (.Values.links | default dict) -}}
{{- $image := mustMergeOverwrite (dict "pullPolicy" "IfNotPresent") (deepCopy $environment) (deepCopy $own) -}}
{{- $image.pullPolicy -}}
{{- end -}}
