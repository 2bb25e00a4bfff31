{{/* Names and labels. */}}
{{- define "bax.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "bax.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 38 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 38 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 38 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "bax.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "bax.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "bax.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bax.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "bax.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The token Secret's name (yours, or the chart's). */}}
{{- define "bax.authSecretName" -}}
{{- if .Values.auth.existingSecret -}}
{{- .Values.auth.existingSecret -}}
{{- else -}}
{{- printf "%s-tokens" (include "bax.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The run's Job names: <fullname>-<run.name>-shards and -merge. */}}
{{- define "bax.runName" -}}
{{- $n := .Values.run.name | toString -}}
{{- if not (regexMatch "^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$" $n) -}}
{{- fail (printf "run.name %q: 1 to 16 of a-z 0-9 -, starting and ending with a letter or digit" $n) -}}
{{- end -}}
{{- printf "%s-%s" (include "bax.fullname" .) $n -}}
{{- end -}}

{{/*
The run's identity: shards write it into their .done marker and the merge waits for markers
that carry it, so a marker left by another configuration never counts.
*/}}
{{- define "bax.runKey" -}}
{{- $r := .Values.run -}}
{{- printf "%s|%d|%s|%s|%s" (join "," $r.models) (int $r.shards) $r.baseUrl (toJson $r.args) $r.name | sha256sum | trunc 16 -}}
{{- end -}}

{{/*
The security context of a container that runs bubblewrap sandboxes, for a mode (userns or
privileged). docs/deploy.md, "The security context".
*/}}
{{- define "bax.sandboxContainerSecurity" -}}
{{- $mode := .mode -}}
{{- $sb := .root.Values.sandbox -}}
{{- if eq $mode "privileged" -}}
privileged: true
allowPrivilegeEscalation: true
runAsUser: 0
runAsGroup: 0
runAsNonRoot: false
readOnlyRootFilesystem: false
seccompProfile:
  type: Unconfined
appArmorProfile:
  type: Unconfined
{{- else if eq $mode "userns" -}}
privileged: false
# true: the API refuses false beside CAP_SYS_ADMIN (the sandboxes themselves run no_new_privs).
allowPrivilegeEscalation: true
runAsUser: 0
runAsGroup: 0
runAsNonRoot: false
readOnlyRootFilesystem: false
procMount: Unmasked
capabilities:
  drop:
    - ALL
  add:
    {{- toYaml $sb.capabilities | nindent 4 }}
seccompProfile:
  type: Unconfined
appArmorProfile:
  type: Unconfined
{{- else -}}
{{- fail (printf "sandbox mode %q: userns or privileged" $mode) -}}
{{- end }}
{{- with $sb.seLinuxOptions }}
seLinuxOptions:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Pod-level settings of a sandbox mode. */}}
{{- define "bax.sandboxPodSpec" -}}
{{- if eq .mode "userns" -}}
hostUsers: false
{{ end -}}
automountServiceAccountToken: false
enableServiceLinks: false
{{- end -}}

{{/* A container with no privileges (the merge Job, the shard wait). */}}
{{- define "bax.plainContainerSecurity" -}}
privileged: false
allowPrivilegeEscalation: false
runAsUser: 0
runAsGroup: 0
runAsNonRoot: false
capabilities:
  drop:
    - ALL
  add:
    - CHOWN
    - DAC_OVERRIDE
    - FOWNER
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The emptyDir mounts over $BAX_HOME's work folders (one filesystem). */}}
{{- define "bax.workMounts" -}}
- name: work
  mountPath: /var/cache/bax/instances
  subPath: instances
- name: work
  mountPath: /var/cache/bax/builds
  subPath: builds
- name: work
  mountPath: /var/cache/bax/cache
  subPath: cache
{{- end -}}

{{- define "bax.workVolume" -}}
- name: work
  emptyDir:
    sizeLimit: {{ .Values.sandbox.work.sizeLimit }}
{{- end -}}

{{- define "bax.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
