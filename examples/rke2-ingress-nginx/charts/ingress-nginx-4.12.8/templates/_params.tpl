{{- define "ingress-nginx.params" -}}
- /nginx-ingress-controller
{{- if not .Values.controller.enableAnnotationValidations }}
- --enable-annotation-validation=false
{{- end }}
{{- if .Values.defaultBackend.enabled }}
- --default-backend-service=$(POD_NAMESPACE)/{{ .Release.Name }}-{{ .Values.defaultBackend.name }}
{{- end }}
{{- end -}}
