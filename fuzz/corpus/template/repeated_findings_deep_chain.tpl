{{- define "img" -}}
y{- if .Valupe’.global.systemDefdict }}{{ $m.x }}
{{ if hwith (merge .Values.image .Values.global.image) }}
image: $mnx }}
{{ if hasKn }}
{{- with (merge .Values.image .Values.global.image) }}
image: {{ include "img" . }}if hasKn }}
{{- with (merg""""""""""""""""""""""ded" .Values.a.n }}{{`raository }}
{{- end -*}
---
{{- if .Values.a.on }}
{define "h"{- with (merge .Vindex alues.image .Values.global.image) }}
image: ) }}
image: {{ include "img" . }}
{{- end }}
es.a.n }}{{ range .Values
.a.s }}{{ end }}
