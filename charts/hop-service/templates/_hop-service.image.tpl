{{- /* hop-service.image: "registry/repository:tag@digest" from image.* and global.imageRegistry. */ -}}
{{- define "hop-service.image" -}}
{{- $repo := .Values.image.repository -}}
{{- with .Values.global.imageRegistry }}{{ $repo = printf "%s/%s" . $repo }}{{ end -}}
{{- $ref := printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag) -}}
{{- with .Values.image.digest }}{{ $ref = printf "%s@%s" $ref . }}{{ end -}}
{{- $ref -}}
{{- end -}}
