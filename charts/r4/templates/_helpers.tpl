{{/* Names are cut to 63 characters: the limit of label values and of DNS labels. */}}
{{- define "r4.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "r4.operatorName" -}}
{{- printf "%s-operator" (include "r4.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "r4.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: r4
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Labels of the operator's objects: the common ones plus its name (instance is in both). */}}
{{- define "r4.operatorLabels" -}}
{{ include "r4.labels" . }}
app.kubernetes.io/name: r4-operator
{{- end -}}

{{- define "r4.operatorSelectorLabels" -}}
app.kubernetes.io/name: r4-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "r4.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "r4.operatorName" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* An image reference: repository@digest when a digest is given, else repository:tag (tag defaults to appVersion). */}}
{{- define "r4.image" -}}
{{- $image := index . 0 -}}
{{- $root := index . 1 -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (default $root.Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "r4.applianceName" -}}
{{- default .Release.Name .Values.appliance.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "r4.apiKeysSecretName" -}}
{{- default (printf "%s-api-keys" (include "r4.applianceName" .)) .Values.appliance.apiKeys.existingSecret -}}
{{- end -}}

{{/* operator.watchNamespace as a JSON list of namespaces ("a,b" -> ["a","b"]); [] means every namespace. */}}
{{- define "r4.watchNamespaces" -}}
{{- $namespaces := list -}}
{{- range (splitList "," .Values.operator.watchNamespace) -}}
{{- $ns := trim . -}}
{{- if $ns -}}{{- $namespaces = append $namespaces $ns -}}{{- end -}}
{{- end -}}
{{- toJson $namespaces -}}
{{- end -}}

{{/* The repositories appliances may run images from: operator.allowedImageRepositories, else the shipped one. */}}
{{- define "r4.allowedImageRepositories" -}}
{{- join "," (default (list .Values.appliances.image.repository) .Values.operator.allowedImageRepositories) -}}
{{- end -}}

{{/* The operator's ServiceAccount as the API server names the user it authenticates. */}}
{{- define "r4.operatorUser" -}}
{{- printf "system:serviceaccount:%s:%s" .Release.Namespace (include "r4.serviceAccountName" .) -}}
{{- end -}}

{{/* Labels of the dashboard's Service and Ingress: not the operator's name, so the metrics ServiceMonitor never selects them. */}}
{{- define "r4.dashboardLabels" -}}
{{ include "r4.labels" . }}
app.kubernetes.io/component: dashboard
{{- end -}}

{{- define "r4.dashboardServiceName" -}}
{{- printf "%s-dashboard" (include "r4.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "r4.dashboardAuthDir" -}}
/etc/r4/dashboard-auth
{{- end -}}

{{/* The file the operator reads the dashboard's bearer token from; empty: no token (dashboard off, or no Secret named). */}}
{{- define "r4.dashboardTokenFile" -}}
{{- $dashboard := .Values.operator.dashboard -}}
{{- if and $dashboard.enabled $dashboard.auth.existingSecret -}}
{{- printf "%s/%s" (include "r4.dashboardAuthDir" .) $dashboard.auth.key -}}
{{- end -}}
{{- end -}}
