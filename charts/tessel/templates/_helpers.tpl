{{/*
Shared helpers: every service renders through "tessel.service" so the services cannot drift apart in probes, hardening, GPU scheduling or runtime environment.
*/}}

{{- define "tessel.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's objects, e.g. tessel-block-distiller. Args: root, component. */}}
{{- define "tessel.componentName" -}}
{{- printf "%s-%s" (include "tessel.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tessel.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "tessel.labels" -}}
{{ include "tessel.selectorLabels" . }}
app.kubernetes.io/part-of: tessel
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* Labels the NetworkPolicies select on: which servers a pod may reach. */}}
{{- define "tessel.clientLabels" -}}
tessel.io/grpc-client: "true"
tessel.io/nats-client: "true"
{{- if .root.Values.otelCollector.enabled }}
tessel.io/otlp-client: "true"
{{- end }}
{{- end -}}

{{- define "tessel.image" -}}
{{- $image := .root.Values.image -}}
{{- $tag := $image.tag | default .root.Chart.AppVersion -}}
{{- if $image.registry -}}
{{- printf "%s/tessel-%s:%s" $image.registry .service $tag -}}
{{- else -}}
{{- printf "tessel-%s:%s" .service $tag -}}
{{- end -}}
{{- end -}}

{{- define "tessel.natsUrl" -}}
{{- if .Values.nats.enabled -}}
{{- printf "%s://%s:4222" (ternary "tls" "nats" .Values.nats.tls.enabled) (include "tessel.componentName" (dict "root" . "component" "nats")) -}}
{{- else -}}
{{- required "nats.url is required when nats.enabled is false" .Values.nats.url -}}
{{- end -}}
{{- end -}}

{{- define "tessel.artifactsUri" -}}
{{- if eq .Values.artifacts.backend "s3" -}}
{{- required "artifacts.s3.uri is required when artifacts.backend is s3" .Values.artifacts.s3.uri -}}
{{- else -}}
{{- printf "file://%s" .Values.artifacts.volume.mountPath -}}
{{- end -}}
{{- end -}}

{{- define "tessel.artifactsClaim" -}}
{{- .Values.artifacts.volume.existingClaim | default (include "tessel.componentName" (dict "root" . "component" "artifacts")) -}}
{{- end -}}

{{/* Namespace of the block-distiller's Jobs (and of its worker ServiceAccount and Role). */}}
{{- define "tessel.workerNamespace" -}}
{{- (index (include "tessel.services" . | fromYaml) "block-distiller").executor.namespace | default .Release.Namespace -}}
{{- end -}}

{{- define "tessel.usesGpu" -}}
{{- if and .root.Values.gpu.enabled .gpu -}}true{{- end -}}
{{- end -}}

{{/*
Environment every Tessel process needs (services and distiller workers).
Args: root, otelName (OTEL_SERVICE_NAME), gpu (bool).
*/}}
{{- define "tessel.runtimeEnv" -}}
{{- $v := .root.Values -}}
- name: TESSEL_HOME
  value: /tmp/tessel
- name: TESSEL_CACHE_DIR
  value: {{ $v.cache.mountPath | quote }}
- name: TESSEL_ARTIFACTS_URI
  value: {{ include "tessel.artifactsUri" .root | quote }}
- name: TESSEL_NATS_URL
  value: {{ include "tessel.natsUrl" .root | quote }}
- name: TESSEL_DEVICE
  value: {{ ternary "cuda" "cpu" (eq (include "tessel.usesGpu" (dict "root" .root "gpu" .gpu)) "true") }}
{{- include "tessel.securityEnv" .root }}
{{- if eq $v.artifacts.backend "s3" }}
{{- with $v.artifacts.s3.endpointUrl }}
- name: FSSPEC_S3_ENDPOINT_URL
  value: {{ . | quote }}
{{- end }}
{{- with $v.artifacts.s3.region }}
- name: AWS_DEFAULT_REGION
  value: {{ . | quote }}
{{- end }}
{{- end }}
- name: OTEL_SERVICE_NAME
  value: {{ .otelName | quote }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: OTEL_RESOURCE_ATTRIBUTES
  value: "k8s.namespace.name={{ .root.Release.Namespace }},k8s.pod.name=$(POD_NAME),service.version={{ .root.Chart.AppVersion }}"
{{- if $v.otelCollector.enabled }}
- name: OTEL_TRACES_EXPORTER
  value: otlp
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ printf "http://%s:4317" (include "tessel.componentName" (dict "root" .root "component" "otel-collector")) | quote }}
{{- else }}
- name: OTEL_TRACES_EXPORTER
  value: none
{{- end }}
{{- end -}}

{{- define "tessel.envFrom" -}}
{{- if and (eq .Values.artifacts.backend "s3") .Values.artifacts.s3.existingSecret }}
envFrom:
  - secretRef:
      name: {{ .Values.artifacts.s3.existingSecret }}
{{- end }}
{{- end -}}

{{/* Transport security of services and workers (tessel.runtime.transport): certificates and the NATS
password are mounted Secrets, read from files, never put in the environment. */}}
{{- define "tessel.securityEnv" }}
{{- $v := .Values }}
- name: TESSEL_GRPC_REFLECTION
  value: {{ $v.grpc.reflection | quote }}
{{- if $v.grpc.tls.enabled }}
- name: TESSEL_TLS_CERT_FILE
  value: /etc/tessel/tls/tls.crt
- name: TESSEL_TLS_KEY_FILE
  value: /etc/tessel/tls/tls.key
- name: TESSEL_TLS_CA_FILE
  value: /etc/tessel/tls/ca.crt
- name: TESSEL_TLS_CLIENT_CERT_FILE
  value: /etc/tessel/tls/tls.crt
- name: TESSEL_TLS_CLIENT_KEY_FILE
  value: /etc/tessel/tls/tls.key
{{- if $v.grpc.tls.mutual }}
- name: TESSEL_TLS_CLIENT_CA_FILE
  value: /etc/tessel/tls/ca.crt
{{- end }}
- name: TESSEL_HEALTH_PORT
  value: {{ $v.grpc.healthPort | quote }}
{{- end }}
{{- if $v.nats.auth.enabled }}
- name: TESSEL_NATS_USER
  value: {{ $v.nats.auth.user | quote }}
- name: TESSEL_NATS_PASSWORD_FILE
  value: {{ printf "/etc/tessel/nats-auth/%s" $v.nats.auth.passwordKey | quote }}
{{- end }}
{{- if $v.nats.tls.enabled }}
- name: TESSEL_NATS_TLS_CA_FILE
  value: /etc/tessel/nats-tls/ca.crt
{{- end }}
{{- if $v.nats.cluster.enabled }}
- name: TESSEL_NATS_STREAM_REPLICAS
  value: {{ $v.nats.cluster.replicas | quote }}
{{- end }}
{{- end -}}

{{- define "tessel.securityMounts" }}
{{- $v := .Values }}
{{- if $v.grpc.tls.enabled }}
- name: grpc-tls
  mountPath: /etc/tessel/tls
  readOnly: true
{{- end }}
{{- if $v.nats.auth.enabled }}
- name: nats-auth
  mountPath: /etc/tessel/nats-auth
  readOnly: true
{{- end }}
{{- if $v.nats.tls.enabled }}
- name: nats-tls
  mountPath: /etc/tessel/nats-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "tessel.securityVolumes" }}
{{- $v := .Values }}
{{- if $v.grpc.tls.enabled }}
- name: grpc-tls
  secret:
    secretName: {{ required "grpc.tls.existingSecret is required when grpc.tls.enabled" $v.grpc.tls.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- if $v.nats.auth.enabled }}
- name: nats-auth
  secret:
    secretName: {{ required "nats.auth.existingSecret is required when nats.auth.enabled" $v.nats.auth.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- if $v.nats.tls.enabled }}
- name: nats-tls
  secret:
    secretName: {{ required "nats.tls.existingSecret is required when nats.tls.enabled" $v.nats.tls.existingSecret }}
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}
{{- end -}}

{{/* Writable paths under a read-only root filesystem. Args: root, gpu. */}}
{{- define "tessel.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: cache
  mountPath: {{ .root.Values.cache.mountPath }}
{{- if eq .root.Values.artifacts.backend "volume" }}
- name: artifacts
  mountPath: {{ .root.Values.artifacts.volume.mountPath }}
{{- end }}
{{- if eq (include "tessel.usesGpu" .) "true" }}
- name: dshm
  mountPath: /dev/shm
{{- end }}
{{- include "tessel.securityMounts" .root }}
{{- end -}}

{{- define "tessel.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 1Gi
- name: cache
  emptyDir:
    sizeLimit: {{ .root.Values.cache.sizeLimit }}
{{- if eq .root.Values.artifacts.backend "volume" }}
- name: artifacts
  persistentVolumeClaim:
    claimName: {{ include "tessel.artifactsClaim" .root }}
{{- end }}
{{- if eq (include "tessel.usesGpu" .) "true" }}
- name: dshm
  emptyDir:
    medium: Memory
    sizeLimit: {{ .root.Values.gpu.sharedMemorySize }}
{{- end }}
{{- include "tessel.securityVolumes" .root }}
{{- end -}}

{{/* Resources with the GPU request added when the pod is scheduled on GPUs. Args: root, gpu, resources, gpus. */}}
{{- define "tessel.resources" -}}
{{- $resources := deepCopy (.resources | default dict) -}}
{{- if eq (include "tessel.usesGpu" .) "true" -}}
{{- $gpuName := .root.Values.gpu.resourceName -}}
{{- $_ := set $resources "requests" (merge (dict $gpuName (.gpus | int)) (get $resources "requests" | default dict)) -}}
{{- $_ := set $resources "limits" (merge (dict $gpuName (.gpus | int)) (get $resources "limits" | default dict)) -}}
{{- end -}}
{{- toYaml $resources -}}
{{- end -}}

{{/* Node placement: GPU node selector and tolerations merged with the service's own. Args: root, gpu, svc. */}}
{{- define "tessel.placement" -}}
{{- $gpu := eq (include "tessel.usesGpu" .) "true" -}}
{{- $nodeSelector := deepCopy (.svc.nodeSelector | default dict) -}}
{{- $tolerations := .svc.tolerations | default list -}}
{{- if $gpu -}}
{{- $nodeSelector = merge $nodeSelector .root.Values.gpu.nodeSelector -}}
{{- $tolerations = concat .root.Values.gpu.tolerations $tolerations -}}
{{- end -}}
{{- with $nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if and $gpu .root.Values.gpu.runtimeClassName }}
runtimeClassName: {{ .root.Values.gpu.runtimeClassName }}
{{- end }}
{{- end -}}

{{- define "tessel.podSecurity" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end -}}

{{/*
One Tessel gRPC service: ServiceAccount + Deployment + Service. Args: root, name (the services.<name> key).
*/}}
{{/* kubelet gRPC probes speak plaintext: with TLS on they use the health-only port. */}}
{{- define "tessel.probePort" -}}
{{- ternary .root.Values.grpc.healthPort .svc.port .root.Values.grpc.tls.enabled -}}
{{- end -}}

{{- define "tessel.service" -}}
{{- $root := .root -}}
{{- $name := .name -}}
{{- $services := include "tessel.services" $root | fromYaml -}}
{{- $svc := index $services $name -}}
{{- if $svc.enabled -}}
{{- $ctx := dict "root" $root "component" $name -}}
{{- $fullName := include "tessel.componentName" $ctx -}}
{{- $gpuCtx := dict "root" $root "gpu" $svc.gpu "svc" $svc "resources" $svc.resources "gpus" ($svc.gpusPerPod | default 1) -}}
{{- $gpu := eq (include "tessel.usesGpu" $gpuCtx) "true" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $fullName }}
  labels:
    {{- include "tessel.labels" $ctx | nindent 4 }}
automountServiceAccountToken: {{ default false .automountToken }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullName }}
  labels:
    {{- include "tessel.labels" $ctx | nindent 4 }}
spec:
  replicas: {{ $svc.replicas }}
  revisionHistoryLimit: 3
  {{- if $gpu }}
  # A GPU pod holds its device until it exits: surge would wait for a free GPU forever.
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 0
      maxUnavailable: 1
  {{- end }}
  selector:
    matchLabels:
      {{- include "tessel.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "tessel.labels" $ctx | nindent 8 }}
        {{- include "tessel.clientLabels" $ctx | nindent 8 }}
      {{- with .podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ $fullName }}
      automountServiceAccountToken: {{ default false .automountToken }}
      {{- include "tessel.podSecurity" $root | trim | nindent 6 }}
      terminationGracePeriodSeconds: 30
      {{- with include "tessel.placement" $gpuCtx | trim }}
      {{- . | nindent 6 }}
      {{- end }}
      containers:
        - name: {{ $name }}
          image: {{ include "tessel.image" (dict "root" $root "service" $name) }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: grpc
              containerPort: {{ $svc.port }}
              protocol: TCP
          env:
            - name: TESSEL_GRPC_HOST
              value: "0.0.0.0"
            - name: TESSEL_GRPC_PORT
              value: {{ $svc.port | quote }}
            {{- include "tessel.runtimeEnv" (dict "root" $root "otelName" $name "gpu" $svc.gpu) | nindent 12 }}
            {{- range $peer, $peerSvc := $services }}
            {{- if and $peerSvc.enabled (ne $peer $name) }}
            - name: {{ printf "TESSEL_%s_ADDRESS" ($peer | upper | replace "-" "_") }}
              value: {{ printf "%s:%d" (include "tessel.componentName" (dict "root" $root "component" $peer)) (int $peerSvc.port) | quote }}
            {{- end }}
            {{- end }}
            {{- with .extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- range $key, $value := $svc.env }}
            - name: {{ $key }}
              value: {{ $value | quote }}
            {{- end }}
          {{- with include "tessel.envFrom" $root }}
          {{- . | nindent 10 }}
          {{- end }}
          startupProbe:
            grpc:
              port: {{ include "tessel.probePort" (dict "root" $root "svc" $svc) }}
            periodSeconds: {{ $root.Values.probes.startup.periodSeconds }}
            failureThreshold: {{ $root.Values.probes.startup.failureThreshold }}
          readinessProbe:
            grpc:
              port: {{ include "tessel.probePort" (dict "root" $root "svc" $svc) }}
            periodSeconds: {{ $root.Values.probes.readiness.periodSeconds }}
            failureThreshold: {{ $root.Values.probes.readiness.failureThreshold }}
          livenessProbe:
            grpc:
              port: {{ include "tessel.probePort" (dict "root" $root "svc" $svc) }}
            periodSeconds: {{ $root.Values.probes.liveness.periodSeconds }}
            failureThreshold: {{ $root.Values.probes.liveness.failureThreshold }}
          resources:
            {{- include "tessel.resources" $gpuCtx | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            {{- include "tessel.volumeMounts" $gpuCtx | nindent 12 }}
            {{- with .extraVolumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        {{- include "tessel.volumes" $gpuCtx | nindent 8 }}
        {{- with .extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $fullName }}
  labels:
    {{- include "tessel.labels" $ctx | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "tessel.selectorLabels" $ctx | nindent 4 }}
  ports:
    - name: grpc
      port: {{ $svc.port }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
{{- end -}}
{{- end -}}

{{/* PodTemplateSpec of a block-distiller Job worker. Args: root, gpuCtx, workerCtx, placement. */}}
{{- define "tessel.workerPodTemplate" -}}
{{- $root := .root -}}
metadata:
  labels:
    {{- include "tessel.labels" .workerCtx | nindent 4 }}
    tessel.io/nats-client: "true"
    {{- if $root.Values.otelCollector.enabled }}
    tessel.io/otlp-client: "true"
    {{- end }}
spec:
  serviceAccountName: {{ include "tessel.componentName" .workerCtx }}
  automountServiceAccountToken: false
  restartPolicy: Never
  {{- include "tessel.podSecurity" $root | trim | nindent 2 }}
  {{- with .placement }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  containers:
    - name: worker
      image: {{ include "tessel.image" (dict "root" $root "service" "block-distiller") }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      command: [python, -m, tessel_block_distiller.worker]
      env:
        {{- include "tessel.runtimeEnv" (dict "root" $root "otelName" "block-distiller-worker" "gpu" .gpuCtx.gpu) | nindent 8 }}
      {{- with include "tessel.envFrom" $root }}
      {{- . | nindent 6 }}
      {{- end }}
      resources:
        {{- include "tessel.resources" .gpuCtx | nindent 8 }}
      securityContext:
        {{- toYaml $root.Values.containerSecurityContext | nindent 8 }}
      volumeMounts:
        {{- include "tessel.volumeMounts" .gpuCtx | nindent 8 }}
  volumes:
    {{- include "tessel.volumes" .gpuCtx | nindent 4 }}
{{- end -}}

{{/* OpenTelemetry collector pipeline. Args: otel (values), exporter (otlp | debug). */}}
{{- define "tessel.otelCollectorConfig" -}}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 0.0.0.0:4317
      http:
        endpoint: 0.0.0.0:4318
processors:
  memory_limiter:
    check_interval: 1s
    limit_percentage: 80
    spike_limit_percentage: 20
  batch: {}
exporters:
{{- if eq .exporter "otlp" }}
  otlp:
    endpoint: {{ .otel.exportEndpoint | quote }}
    tls:
      insecure: {{ .otel.exportInsecure }}
{{- else }}
  debug:
    verbosity: normal
{{- end }}
service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [{{ .exporter }}]
{{- end -}}

{{/* A NetworkPolicy peer: pods of this release with the given labels in one namespace. Args: root, namespace, labels. */}}
{{- define "tessel.releasePeer" -}}
namespaceSelector:
  matchLabels:
    kubernetes.io/metadata.name: {{ .namespace }}
podSelector:
  matchLabels:
    app.kubernetes.io/instance: {{ .root.Release.Name }}
    {{- toYaml .labels | nindent 4 }}
{{- end -}}

{{- define "tessel.dnsEgress" -}}
{{- $dns := .Values.networkPolicies.dns -}}
- to:
    - namespaceSelector:
        matchLabels:
          {{- toYaml $dns.namespaceLabels | nindent 10 }}
      podSelector:
        matchLabels:
          {{- toYaml $dns.podLabels | nindent 10 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{- define "tessel.natsEgress" -}}
{{- if .Values.nats.enabled -}}
- to:
    - {{ include "tessel.releasePeer" (dict "root" . "namespace" .Release.Namespace "labels" (dict "app.kubernetes.io/component" "nats")) | nindent 6 | trim }}
  ports:
    - port: 4222
      protocol: TCP
{{- else -}}
# External NATS: the server's address is outside the cluster's pod selectors.
- ports:
    - port: 4222
      protocol: TCP
{{- end -}}
{{- end -}}

{{- define "tessel.otlpEgress" -}}
{{- if .Values.otelCollector.enabled -}}
- to:
    - {{ include "tessel.releasePeer" (dict "root" . "namespace" .Release.Namespace "labels" (dict "app.kubernetes.io/component" "otel-collector")) | nindent 6 | trim }}
  ports:
    - port: 4317
      protocol: TCP
{{- end -}}
{{- end -}}

{{- define "tessel.s3Egress" -}}
{{- if eq .Values.artifacts.backend "s3" -}}
{{- include "tessel.cidrEgress" .Values.networkPolicies.s3 -}}
{{- end -}}
{{- end -}}

{{/* Egress to ports on the given CIDRs, or to any address when none are given. Args: {cidrs, ports}. */}}
{{- define "tessel.cidrEgress" -}}
- ports:
    {{- range .ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
  {{- with .cidrs }}
  to:
    {{- range . }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
  {{- end }}
{{- end -}}

{{/*
The services of the manifest (services.yaml, linked from shared/tessel/services.yaml) with their values
merged in: a YAML map name -> {port, gpu, enabled, replicas, resources, env, gpusPerPod, ...}. Values
override the manifest's defaults except port and gpu; a values key that names no service fails.
*/}}
{{- define "tessel.services" -}}
{{- $manifest := .Files.Get "services.yaml" | fromYaml -}}
{{- $merged := dict -}}
{{- range $manifest.services -}}
{{- $defaults := dict "enabled" true "replicas" 1 "env" (dict) "gpusPerPod" 1 "resources" (deepCopy .resources) "chartTemplate" (.chart_template | default "") -}}
{{- $svc := mergeOverwrite $defaults (deepCopy (index $.Values.services .name | default dict)) -}}
{{- $_ := set $svc "port" .port -}}
{{- $_ := set $svc "gpu" .gpu -}}
{{- $_ := set $merged .name $svc -}}
{{- end -}}
{{- range $name, $_ := .Values.services -}}
{{- if not (hasKey $merged $name) -}}
{{- fail (printf "services.%s: no such service in services.yaml (values schema: keys are service names)" $name) -}}
{{- end -}}
{{- end -}}
{{- toYaml $merged -}}
{{- end -}}
