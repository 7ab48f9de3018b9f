{{- /* hop-service.defaults: the values every hop service shares, as YAML; hop-service.values merges a chart's own values over them. */ -}}
{{- define "hop-service.defaults" -}}
# A library chart cannot ship values to the charts that use it, so the shared defaults live
# here, the one source: `make generate` copies them into every service chart's values.yaml
# (the global block, and the rest under global.serviceDefaults) so `helm show values` shows
# them. hop-service.values merges, lowest first: these, global.serviceDefaults (a profile's
# per-environment defaults), the service's own values. The service chart's values.schema.json
# (tools/chart_schemas.py) lists every key, these included.

# -- Values shared with the other hop charts (the umbrella sets them once for all three). Open:
# keys hop does not know are accepted, for other charts of the same umbrella.
global:
  # -- HOP_ENVIRONMENT: local, dev, staging, production or test.
  environment: production
  # -- Public host name clients use: the Ingress/HTTPRoute serve it, links' short URLs start with it.
  host: hop.example.com
  # -- Clients reach hop over HTTPS: short URLs start with https:// (false: http://, dev clusters).
  https: true
  # -- Registry prefixed to image.repository ("" uses the repository as is).
  imageRegistry: ""
  # -- Names of existing image pull Secrets, for every hop pod.
  imagePullSecrets: []
  # -- OTEL_EXPORTER_OTLP_ENDPOINT for traces ("" exports nothing; context still propagates).
  otlpEndpoint: ""
  # -- HOP_TRUSTED_PROXIES: CIDRs of the ingress controller's pods (and, for links and analytics,
  # of the console's and analytics' pods), whose X-Forwarded-For names the client (rate limits
  # per address) and whose trace sampling flags are followed. Empty: every client behind the
  # controller shares the controller's address.
  trustedProxies: []
  # -- Request body caps (the umbrella's edge applies the same ones in front of the services).
  limits:
    # -- HOP_MAX_BODY_BYTES: body cap of single-item routes, in bytes.
    maxBodyBytes: 65536
    # -- HOP_MAX_BATCH_BODY_BYTES: body cap of batch routes, in bytes.
    maxBatchBodyBytes: 8388608
  # -- Prometheus Operator scraping.
  serviceMonitor:
    # -- Render a ServiceMonitor for the management port.
    enabled: true
    # -- Scrape interval; the scrape timeout is the smaller of it and 10s.
    interval: 30s
    # -- Labels your Prometheus selects ServiceMonitors by (kube-prometheus-stack: its release).
    labels:
      # -- kube-prometheus-stack's default serviceMonitorSelector.
      release: kube-prometheus-stack
  # -- Default-deny NetworkPolicies that open exactly hop's call graph.
  networkPolicy:
    # -- Render the NetworkPolicies.
    enabled: true
    # -- Peers allowed to reach the public services' http port (the ingress controller's pods).
    ingressController:
      - namespaceSelector:
          matchLabels:
            kubernetes.io/metadata.name: traefik
        podSelector:
          matchLabels:
            app.kubernetes.io/name: traefik
    # -- Peers allowed to scrape every management port (Prometheus).
    prometheus:
      - namespaceSelector:
          matchLabels:
            kubernetes.io/metadata.name: monitoring
        podSelector:
          matchLabels:
            app.kubernetes.io/name: prometheus
    # -- Cluster DNS.
    dns:
      # -- Peers serving DNS.
      to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      # -- DNS ports (opened for UDP and TCP).
      ports: [53]
    # -- PostgreSQL.
    database:
      # -- Peers serving the database.
      to:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: postgresql
      # -- Database ports.
      ports: [5432]
    # -- Redis.
    redis:
      # -- Peers serving Redis.
      to:
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: redis
      # -- Redis ports.
      ports: [6379]
    # -- The OTLP collector that receives traces.
    otlp:
      # -- Peers receiving OTLP.
      to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: monitoring
          podSelector:
            matchLabels:
              app.kubernetes.io/name: opentelemetry-collector
      # -- OTLP ports (gRPC, HTTP).
      ports: [4317, 4318]
    # -- DNS servers outside the cluster, for a service whose networkPolicy.externalWhen
    # setting is true (links' domain verification with HOP_VERIFICATION_NAMESERVERS).
    externalDns:
      # -- Peers serving DNS: any address but the private, link-local and metadata ranges.
      to:
        - ipBlock:
            cidr: 0.0.0.0/0
            except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16, 100.64.0.0/10]
      # -- DNS ports (opened for UDP and TCP).
      ports: [53]
    # -- Web servers outside the cluster, for the same services (links' HTTP proof of a domain).
    web:
      # -- Peers serving HTTP: any address but the private, link-local and metadata ranges.
      to:
        - ipBlock:
            cidr: 0.0.0.0/0
            except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16, 100.64.0.0/10]
      # -- Web ports.
      ports: [80, 443]

# -- Container image; the service chart sets image.repository.
image:
  # -- Tag; defaults to the chart's appVersion.
  tag: ""
  # -- Optional digest ("sha256:..."), pinned after the tag.
  digest: ""
  # -- Pull policy: a tag or digest names one image, so a node pulls it once (Always only
  # for a moving tag).
  pullPolicy: IfNotPresent

# -- Pods when autoscaling is off.
replicaCount: 1

# -- Container command ([] keeps the image's entrypoint, hop-service).
command: []
# -- Container arguments: the hop-service subcommand.
args: [serve]

# -- Non-secret settings, each rendered as HOP_<SNAKE_CASE> into the ConfigMap; the service
# chart adds its own next to these.
settings:
  # -- HOP_LOG_LEVEL: debug, info, warning, error or critical.
  logLevel: INFO
  # -- HOP_LOG_FORMAT: json or console.
  logFormat: json
  # -- HOP_WORKERS: uvicorn processes; above 1 runs gunicorn with prometheus multiprocess mode.
  workers: 1
  # -- HOP_TRACE_SAMPLE_RATIO: parent-based ratio of sampled traces.
  traceSampleRatio: 0.01

# -- Extra environment variables keyed by name: a string, or a map holding valueFrom.
env: {}
# -- Extra envFrom sources (configMapRef or secretRef), after hop's own ConfigMap.
envFrom: []

# -- Existing Secrets mounted as files under HOP_SECRETS_DIR (never as environment variables),
# keyed by name: <name>: {name: <Secret>, key: <key in it>} becomes the file HOP_<NAME>_URL
# (or the HOP_* variable `file:` names, for a secret that is no URL).
# The service chart lists the ones it reads.
secrets: {}

# -- Rate limits' counters.
rateLimit:
  # -- Keep them in Redis, shared by every replica and worker: HOP_RATE_LIMIT_REDIS_URL is the
  # Secret key of secrets.redis (the click stream's and cache's Redis). Without secrets.redis, or
  # false: each process counts alone.
  redis: true

# -- Shutdown timings; the grace period must exceed preStop + delay + drain + 5 s.
shutdown:
  # -- preStop sleep before SIGTERM, while endpoints are removed from load balancers.
  preStopSeconds: 5
  # -- HOP_SHUTDOWN_DELAY: /readyz fails but the listeners stay open this long after SIGTERM.
  delaySeconds: 5
  # -- HOP_DRAIN_TIMEOUT: in-flight requests get this long after the listeners close.
  drainSeconds: 20
  # -- terminationGracePeriodSeconds.
  terminationGracePeriodSeconds: 40

# -- Probe tuning (all three probes hit the management port).
probes:
  # -- Startup probe failures (1 s apart) before the container restarts.
  startupFailureThreshold: 30
  # -- Readiness probe period in seconds.
  readinessPeriodSeconds: 5

# -- Container resources (a service chart or a profile may set its own).
resources:
  # -- Requests (what the scheduler reserves; HPA utilization is relative to the CPU request).
  requests: {cpu: 100m, memory: 128Mi}
  # -- Limits (memory: the pod is killed above it; CPU: throttled).
  limits: {cpu: "1", memory: 256Mi}

# -- Size limit of the in-memory /tmp emptyDir (the root filesystem is read-only).
tmpSizeLimit: 64Mi

# -- PodDisruptionBudget.
podDisruptionBudget:
  # -- Render it.
  enabled: true
  # -- Pods that may be down at once.
  maxUnavailable: 1

# -- HorizontalPodAutoscaler (replaces replicaCount when enabled).
autoscaling:
  # -- Render it.
  enabled: false
  # -- Fewest pods.
  minReplicas: 2
  # -- Most pods.
  maxReplicas: 6
  # -- Target average CPU utilization (% of requests).
  targetCPUUtilizationPercentage: 70

# -- Topology spread over zones and nodes.
topologySpread:
  # -- Render the constraints.
  enabled: true
  # -- Node labels to spread over, one constraint each (nodes without a key's label count as
  # one domain; drop the zone key when DoNotSchedule runs on nodes without zone labels).
  topologyKeys: [topology.kubernetes.io/zone, kubernetes.io/hostname]
  # -- Largest allowed difference in pods between domains.
  maxSkew: 1
  # -- ScheduleAnyway or DoNotSchedule.
  whenUnsatisfiable: ScheduleAnyway

# -- Pod security context; a key set to null is left to the cluster (OpenShift's restricted
# SCC assigns its own UID, GID and fsGroup: set runAsUser, runAsGroup and fsGroup to null).
podSecurityContext:
  # -- Refuse to start a container as root.
  runAsNonRoot: true
  # -- UID of every container (the images' user).
  runAsUser: 10001
  # -- GID of every container.
  runAsGroup: 10001
  # -- Group owning the pod's volumes.
  fsGroup: 10001
  # -- Seccomp profile.
  seccompProfile: {type: RuntimeDefault}

# -- Security context of every hop container (service, migration, dev copy); a key set to null
# is left to the cluster, as in podSecurityContext.
containerSecurityContext:
  # -- Refuse to start as root.
  runAsNonRoot: true
  # -- UID.
  runAsUser: 10001
  # -- GID.
  runAsGroup: 10001
  # -- Read-only root filesystem (/tmp and the secrets are volumes).
  readOnlyRootFilesystem: true
  # -- No setuid escalation.
  allowPrivilegeEscalation: false
  # -- Never privileged.
  privileged: false
  # -- Capabilities.
  capabilities: {drop: [ALL]}
  # -- Seccomp profile.
  seccompProfile: {type: RuntimeDefault}

# -- This service's edges of the call graph (peers come from global.networkPolicy); closed
# unless the service chart opens them.
networkPolicy:
  # -- Routed by the Ingress: the ingress controller may reach the http port.
  public: true
  # -- hop services that call this one's http port.
  callers: []
  # -- hop services this one calls (HOP_<NAME>_URL points at each).
  callees: []
  # -- Egress to the database.
  database: false
  # -- Egress to Redis.
  redis: false
  # -- Egress to the OTLP collector.
  otlp: true

# -- Migration hook Job ("hop-<service> migrate") before install and upgrade; services with a
# database enable it.
migration:
  # -- Render the Job.
  enabled: false
  # -- Retries before the release fails.
  backoffLimit: 2
  # -- Seconds the migration may take (the hook fails the install or upgrade after it).
  activeDeadlineSeconds: 300
  # -- Priority class of the migration pod ("" uses the pods' priorityClassName); a higher one
  # lets the hook preempt on a full node.
  priorityClassName: ""
  # -- Resources of the migration container, sized for scheduling on a busy node.
  resources:
    # -- Requests (what the scheduler must find free for the hook to start).
    requests: {cpu: 50m, memory: 128Mi}
    # -- Limits.
    limits: {cpu: 500m, memory: 256Mi}

# -- The service's ServiceAccount.
serviceAccount:
  # -- Annotations, e.g. workload identity (eks.amazonaws.com/role-arn, iam.gke.io/gcp-service-account).
  annotations: {}

# -- The service's Service.
service:
  # -- Annotations.
  annotations: {}

# -- Extra pod labels (never part of a selector, so they can change on upgrade).
podLabels: {}
# -- Extra pod annotations.
podAnnotations: {}
# -- Names of existing image pull Secrets, next to global.imagePullSecrets.
imagePullSecrets: []
# -- Priority class of the pods ("" for the cluster's default).
priorityClassName: ""
# -- Node selector.
nodeSelector: {}
# -- Affinity (node and pod affinity rules), as in the pod spec.
affinity: {}
# -- Tolerations.
tolerations: []

# -- Extra volumes keyed by name: the volume source as in the pod spec (secret, configMap, csi...).
extraVolumes: {}
# -- Mounts into the service's container keyed by volume name: mountPath, readOnly, subPath.
extraVolumeMounts: {}
# -- Init containers keyed by name (container spec without the name), run before the service.
initContainers: {}
# -- Sidecars keyed by name (native sidecars: started before, stopped after the service), e.g. a
# database proxy.
sidecars: {}

# -- Development only (skaffold's dev profile): a writable copy of the image's source under
# path, made by an init container, which skaffold syncs edited files into.
devSync:
  # -- Render the copy and mount it.
  enabled: false
  # -- Source directory of the dev image.
  path: /app/services
{{- end -}}
