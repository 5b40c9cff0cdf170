{{/* The image reference. Called with the image map as the dot. */}}
{{- define "ingress-nginx.image" -}}
{{- if .Values.global.systemDefaultRegistry -}}
{{ .Values.global.systemDefaultRegistry }}/{{ .image }}
{{- else -}}
{{ .registry }}/{{ .image }}
{{- end -}}
{{- end -}}
