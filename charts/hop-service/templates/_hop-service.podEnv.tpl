{{- /* hop-service.podEnv: the container's env list: pod identity from the downward API in OTEL_RESOURCE_ATTRIBUTES, then env (keyed by name; a string or a map with valueFrom). */ -}}
{{- define "hop-service.podEnv" -}}
- name: K8S_POD_NAME
  valueFrom: {fieldRef: {fieldPath: metadata.name}}
- name: K8S_NAMESPACE_NAME
  valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
- name: K8S_NODE_NAME
  valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: "k8s.pod.name=$(K8S_POD_NAME),k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.node.name=$(K8S_NODE_NAME)"
{{- range $name, $value := .Values.env }}
{{- if has $name (list "HOP_MAX_BODY_BYTES" "HOP_MAX_BATCH_BODY_BYTES") }}
{{- fail (printf "env.%s: set global.limits instead, so the edge caps bodies as the service does" $name) }}
{{- end }}
{{- if kindIs "map" $value }}
{{- if not (hasKey $value "valueFrom") }}
{{- fail (printf "env.%s: a map must hold valueFrom (or give a string value)" $name) }}
{{- end }}
- name: {{ $name }}
  valueFrom:
    {{- toYaml $value.valueFrom | nindent 4 }}
{{- else }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
{{- end -}}
