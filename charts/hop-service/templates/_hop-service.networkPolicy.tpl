{{- /* hop-service.networkPolicy: default deny for the service's pods, opening exactly its edges of the call graph (an empty peer list opens nothing). */ -}}
{{- define "hop-service.networkPolicy" -}}
{{- $np := .Values.global.networkPolicy -}}
{{- $own := .Values.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "hop-service.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "hop-service.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "hop-service.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    {{- $edge := concat ($np.ingressController | default list) ($np.gateway | default list) }}
    {{- if and $own.public $edge }}
    - from:
        {{- toYaml $edge | nindent 8 }}
      ports:
        - {port: http, protocol: TCP}
    {{- end }}
    {{- with $own.callers }}
    - from:
        {{- include "hop-service.peers" (dict "names" . "root" $) | trim | nindent 8 }}
      ports:
        - {port: http, protocol: TCP}
    {{- end }}
    {{- with $own.internalCallers }}
    - from:
        {{- include "hop-service.peers" (dict "names" . "root" $) | trim | nindent 8 }}
      ports:
        - {port: internal, protocol: TCP}
    {{- end }}
    {{- with $np.prometheus }}
    - from:
        {{- toYaml . | nindent 8 }}
      ports:
        - {port: management, protocol: TCP}
    {{- end }}
    # `helm test`: the release's smoke-test pod (charts/hop) reaches both ports.
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ .Release.Name }}
              app.kubernetes.io/component: smoke-test
      ports:
        - {port: http, protocol: TCP}
        - {port: management, protocol: TCP}
  egress:
    {{- with include "hop-service.dnsEgress" $np.dns }}
    {{- . | nindent 4 }}
    {{- end }}
    {{- with $own.callees }}
    - to:
        {{- include "hop-service.peers" (dict "names" . "root" $) | trim | nindent 8 }}
      ports:
        - {port: 8000, protocol: TCP}
    {{- end }}
    {{- with $own.internalCallees }}
    - to:
        {{- include "hop-service.peers" (dict "names" . "root" $) | trim | nindent 8 }}
      ports:
        - {port: 8001, protocol: TCP}
    {{- end }}
    {{- range $name := list "database" "redis" "otlp" }}
    {{- if index $own $name }}
    {{- with include "hop-service.egress" (index $np $name) }}
    {{- . | nindent 4 }}
    {{- end }}
    {{- end }}
    {{- end }}
    {{- if and $own.externalWhen (index ($.Values.settings | default dict) $own.externalWhen) }}
    {{- with include "hop-service.dnsEgress" $np.externalDns }}
    {{- . | nindent 4 }}
    {{- end }}
    {{- with include "hop-service.egress" $np.web }}
    {{- . | nindent 4 }}
    {{- end }}
    {{- end }}
{{- end -}}
