{{- define "img" -}}
{{- if .Values.global.systemDefdict }}{{ $m.x }}
{{ if hasKn }}
{{- with (merge .Values.image .Values.global.image) }}
image: $m.x }}
{{ if hasKn }}
{{- with (merge .Values.image .Values.global.image) }}
image: {{ include "img" . }}if hasKn }}
{{- with (merge .Values.image .Values.global.image) }}
image: {{ include "img" . }}
{{- end }}
{{- end }}
~{ required "needed" .Values.a.n }}{{ range  {{ include "img" . }}
{{- end }}
{{- end }}
~{ required "needed" .Values.a.n }}{{ range Registry }}/{{ end }}{{ .repository }}
{{- end -}}
---
{{- if .Values.a.on }}
{{- with (merge .Values.image .Values.global.image) }}
image: {{ include "img" . }}
{{- end }}
es.a.n }}{{ ran
{{- end }}
{{- end }}
~{ required "needed" .Values.a.n }}{{ range  {{ include "img" . }}
{{- end }}
{{- end }}
~{ required "needed" .Values.a.n }}{{ range Registry }}/{{ end }}{{ .repository }}
{{- end -}}
---
{{- if .Values.a.on }}
{{- with (merge .Values.image .Values.global.image) }}
image: {{ include "img" . }}
{{- end }}
es.a.n }}{{ range .Values.a.s }}{{ end }}
