{{- /* hop-service.migrationJob: pre-install/pre-upgrade hook Job running "hop-service migrate" once per release. */ -}}
{{- define "hop-service.migrationJob" -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "hop-service.migrationName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "hop-service.migrationLabels" . | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "0"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ .Values.migration.backoffLimit }}
  activeDeadlineSeconds: {{ .Values.migration.activeDeadlineSeconds }}
  ttlSecondsAfterFinished: 3600
  template:
    metadata:
      labels:
        {{- include "hop-service.migrationLabels" . | nindent 8 }}
    spec:
      restartPolicy: Never
      serviceAccountName: {{ include "hop-service.migrationName" . }}
      {{- with default .Values.priorityClassName .Values.migration.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      {{- include "hop-service.podSpec" . | nindent 6 }}
      containers:
        - name: migrate
          image: {{ include "hop-service.image" . }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          # The command, not the image's entrypoint: the dev image's entrypoint reloads on
          # changes and would never let the Job finish.
          command: ["hop-service"]
          args: ["migrate"]
          env:
            {{- include "hop-service.podEnv" . | nindent 12 }}
            {{- range $name, $value := include "hop-service.env" . | fromYaml }}
            - name: {{ $name }}
              value: {{ $value | quote }}
            {{- end }}
          {{- with .Values.envFrom }}
          envFrom:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          resources:
            {{- toYaml .Values.migration.resources | nindent 12 }}
          securityContext:
            {{- include "hop-service.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            {{- include "hop-service.volumeMounts" . | nindent 12 }}
{{- end -}}
