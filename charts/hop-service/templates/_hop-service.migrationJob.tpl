{{- /* hop-service.migrationJob: pre-install/pre-upgrade hook Job running "<service> migrate" once per release. */ -}}
{{- define "hop-service.migrationJob" -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "hop-service.fullname" . }}-migrate
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
      serviceAccountName: {{ include "hop-service.fullname" . }}-migrate
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        {{- include "hop-service.podSecurityContext" . | nindent 8 }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: migrate
          image: {{ include "hop-service.image" . }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          args: ["migrate"]
          env:
            {{- range $name, $value := include "hop-service.env" . | fromYaml }}
            - name: {{ $name }}
              value: {{ $value | quote }}
            {{- end }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- include "hop-service.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            {{- include "hop-service.volumeMounts" . | nindent 12 }}
      volumes:
        {{- include "hop-service.volumes" . | nindent 8 }}
{{- end -}}
