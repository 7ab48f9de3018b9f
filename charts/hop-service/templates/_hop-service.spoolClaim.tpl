{{- /* hop-service.spoolClaim: the volumeClaimTemplates of a persistent spool: one ReadWriteOnce claim of spool.sizeMi per pod. */ -}}
{{- define "hop-service.spoolClaim" -}}
{{- $spool := .Values.spool -}}
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata:
    name: spool
    labels:
      {{- include "hop-service.selectorLabels" . | nindent 6 }}
  spec:
    accessModes: [ReadWriteOnce]
    {{- with $spool.persistent.storageClassName }}
    storageClassName: {{ . | quote }}
    {{- end }}
    resources:
      requests:
        storage: {{ printf "%dMi" (int $spool.sizeMi) }}
{{- end -}}
