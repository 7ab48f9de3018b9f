{{- /* hop.smokeImage: the links image (it carries Python), referenced as the links chart does. */ -}}
{{- define "hop.smokeImage" -}}
{{- $image := .Values.links.image | default dict -}}
{{- $repo := required "links.image.repository is required" $image.repository -}}
{{- with .Values.global.imageRegistry }}{{ $repo = printf "%s/%s" . $repo }}{{ end -}}
{{- $ref := printf "%s:%s" $repo (default .Chart.AppVersion $image.tag) -}}
{{- with $image.digest }}{{ $ref = printf "%s@%s" $ref . }}{{ end -}}
{{- $ref -}}
{{- end -}}
