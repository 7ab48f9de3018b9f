{{- /* hop-service.deployment: the hardened Deployment: probes on management, preStop, spread, checksum roll. */ -}}
{{- define "hop-service.deployment" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "hop-service.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "hop-service.labels" . | nindent 4 }}
spec:
  {{- /* With the HPA on, the HPA owns the count: no replicas here, or every sync resets it. */}}
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "hop-service.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "hop-service.podLabels" . | nindent 8 }}
      annotations:
        checksum/config: {{ include "hop-service.configmap" . | sha256sum }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "hop-service.fullname" . }}
      terminationGracePeriodSeconds: {{ include "hop-service.gracePeriod" . }}
      {{- with .Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      {{- if and .Values.topologySpread.enabled .Values.topologySpread.topologyKeys }}
      topologySpreadConstraints:
        {{- range .Values.topologySpread.topologyKeys }}
        - topologyKey: {{ . }}
          maxSkew: {{ $.Values.topologySpread.maxSkew }}
          whenUnsatisfiable: {{ $.Values.topologySpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "hop-service.selectorLabels" $ | nindent 14 }}
        {{- end }}
      {{- end }}
      {{- include "hop-service.podSpec" . | nindent 6 }}
      containers:
        - name: {{ include "hop-service.name" . }}
          image: {{ include "hop-service.image" . }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          {{- with .Values.command }}
          command: {{ toJson . }}
          {{- end }}
          {{- with .Values.args }}
          args: {{ toJson . }}
          {{- end }}
          env:
            {{- include "hop-service.podEnv" . | nindent 12 }}
          envFrom:
            - configMapRef:
                name: {{ include "hop-service.fullname" . }}
            {{- with .Values.envFrom }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - name: http
              containerPort: 8000
              protocol: TCP
            - name: internal
              containerPort: 8001
              protocol: TCP
            - name: management
              containerPort: 9000
              protocol: TCP
          # Startup and liveness ask only whether the process answers (/livez): a database
          # outage makes pods unready (/readyz), never restarts them.
          startupProbe:
            httpGet: {path: /livez, port: management}
            periodSeconds: 1
            timeoutSeconds: 2
            failureThreshold: {{ .Values.probes.startupFailureThreshold }}
          livenessProbe:
            httpGet: {path: /livez, port: management}
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          readinessProbe:
            httpGet: {path: /readyz, port: management}
            periodSeconds: {{ .Values.probes.readinessPeriodSeconds }}
            timeoutSeconds: 2
            failureThreshold: 2
          lifecycle:
            preStop:
              sleep:
                seconds: {{ .Values.shutdown.preStopSeconds }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- include "hop-service.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            {{- include "hop-service.volumeMounts" . | nindent 12 }}
{{- end -}}
