// Chart loading and template reading (upgrade_core/chart/).
//
//   bazel run -c opt //benchmarks/chart:chart_benchmark
//
// The charts are generated into a temporary directory before the runs: each
// template looks like an ingress-nginx workload template (a kind gate, with +
// merge for the image, helpers through include, range over maps, toYaml of
// whole maps, nested ifs), and _helpers.tpl defines the helpers they call.
// BM_LoadAndRead/N is Chart::Load plus ReadValuesUsage of an N-template
// chart; BM_Read/N the reading alone; BM_CheckChartUpgrade/N the whole
// template-aware chart check with 30 overrides (which now includes the
// render check); BM_CheckRender/N the render check alone
// (chart/render_check.h) with those overrides merged over the defaults.
// UPGRADE_CORE_BENCH_CHART names an extra chart directory or .tgz to time
// (BM_ExternalChart, and BM_ExternalRender with UPGRADE_CORE_BENCH_VALUES as
// the overrides file when set).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "upgrade_core/chart/chart.h"
#include "upgrade_core/chart/render_check.h"
#include "upgrade_core/chart/template_reader.h"
#include "upgrade_core/compat/chart_check.h"
#include "upgrade_core/compat/merge.h"
#include "upgrade_core/document/document.h"

namespace {

namespace fs = std::filesystem;
using upgrade_core::chart::Chart;
using upgrade_core::chart::ReadValuesUsage;

std::string Helpers() {
  return R"({{- define "x.image" -}}
{{- if .chroot -}}{{- printf "%s-chroot" .image -}}{{- else -}}{{- printf "%s" .image -}}{{- end }}
{{- end -}}
{{- define "x.fullname" -}}
{{- printf "%s-%s" .Release.Name .Values.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "x.labels" -}}
app.kubernetes.io/name: {{ .Values.name | quote }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}
{{- define "x.params" -}}
- /controller
{{- if not .Values.controller.enableAnnotationValidations }}
- --enable-annotation-validation=false
{{- end }}
{{- range $key, $value := .Values.controller.extraArgs }}
- --{{ $key }}={{ $value }}
{{- end }}
{{- end -}}
)";
}

// One workload template reading component `c<i>`'s values.
std::string Template(int i) {
  const std::string c = absl::StrCat(".Values.c", i);
  return absl::StrCat(R"({{- if eq )", c, R"(.kind "DaemonSet" -}}
apiVersion: apps/v1
kind: DaemonSet
metadata:
  labels:
    {{- include "x.labels" . | nindent 4 }}
  name: {{ include "x.fullname" . }}-c)",
                      i, R"(
  {{- if )",
                      c, R"(.annotations }}
  annotations: {{ toYaml )",
                      c, R"(.annotations | nindent 4 }}
  {{- end }}
spec:
  {{- if )",
                      c, R"(.updateStrategy }}
  updateStrategy: {{ toYaml )",
                      c, R"(.updateStrategy | nindent 4 }}
  {{- end }}
  minReadySeconds: {{ )",
                      c, R"(.minReadySeconds }}
  template:
    spec:
      containers:
        - name: c)",
                      i, R"(
          {{- with (merge )",
                      c, R"(.image .Values.global.image) }}
          image: {{ .registry }}/{{ include "x.image" . }}:{{ .tag }}
          {{- end }}
          imagePullPolicy: {{ )",
                      c, R"(.image.pullPolicy }}
          args: {{ include "x.params" . | nindent 12 }}
          {{- if )",
                      c, R"(.hostPort.enabled }}
          ports:
          {{- range $key, $value := )",
                      c, R"(.hostPort.ports }}
            - name: {{ $key }}
              hostPort: {{ $value }}
          {{- end }}
          {{- end }}
          {{- if and )",
                      c, R"(.metrics.enabled )", c,
                      R"(.metrics.service.enabled }}
          env:
            - name: METRICS_PORT
              value: {{ )",
                      c, R"(.metrics.port | quote }}
          {{- end }}
          resources: {{ toYaml )",
                      c, R"(.resources | nindent 12 }}
      {{- with )",
                      c, R"(.nodeSelector }}
      nodeSelector: {{ toYaml . | nindent 8 }}
      {{- end }}
      {{- if )",
                      c, R"(.tolerations }}
      tolerations: {{ tpl (toYaml )",
                      c, R"(.tolerations) $ | nindent 8 }}
      {{- end }}
{{- end }}
)");
}

// Writes a chart with `n` templates (plus _helpers.tpl) once; returns its
// directory.
std::string GeneratedChart(int n) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir =
      absl::StrCat(tmp ? tmp : "/tmp", "/uc_chart_bench_", getpid(), "_", n);
  if (fs::exists(dir + "/Chart.yaml")) return dir;
  fs::create_directories(dir + "/templates");
  std::ofstream(dir + "/Chart.yaml") << "name: bench\nversion: 1.0.0\n";
  std::ofstream values(dir + "/values.yaml");
  values << "name: bench\nglobal:\n  image:\n    registry: registry.k8s.io\n";
  for (int i = 0; i < n; ++i) {
    values << "c" << i << ":\n  kind: DaemonSet\n  image: {image: x, tag: v1}\n"
           << "  hostPort: {enabled: false, ports: {http: 80}}\n"
           << "  resources: {requests: {cpu: 100m}}\n";
  }
  std::ofstream(dir + "/templates/_helpers.tpl") << Helpers();
  for (int i = 0; i < n; ++i) {
    std::ofstream(absl::StrCat(dir, "/templates/c", i, ".yaml")) << Template(i);
  }
  return dir;
}

void BM_LoadAndRead(benchmark::State& state) {
  const std::string dir = GeneratedChart(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    absl::StatusOr<Chart> chart = Chart::Load(dir);
    if (!chart.ok()) state.SkipWithError(chart.status().ToString().c_str());
    benchmark::DoNotOptimize(ReadValuesUsage(*chart).reads.size());
  }
}
BENCHMARK(BM_LoadAndRead)->Arg(70)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_Read(benchmark::State& state) {
  absl::StatusOr<Chart> chart =
      Chart::Load(GeneratedChart(static_cast<int>(state.range(0))));
  for (auto _ : state) {
    benchmark::DoNotOptimize(ReadValuesUsage(*chart).reads.size());
  }
}
BENCHMARK(BM_Read)->Arg(70)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_CheckChartUpgrade(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  absl::StatusOr<Chart> chart = Chart::Load(GeneratedChart(n));
  std::string text;
  for (int i = 0; i < 10; ++i) {
    absl::StrAppend(&text, "c", i * n / 10, ":\n  image: {registry: r}\n",
                    "  hostPort: {enabled: true}\n  resources: {limits: "
                    "{cpu: 1}}\n");
  }
  absl::StatusOr<upgrade_core::document::Document> user =
      upgrade_core::document::Document::FromYaml(text, "user.yaml");
  for (auto _ : state) {
    auto r = upgrade_core::compat::CheckChartUpgrade(*chart, *chart, *user);
    benchmark::DoNotOptimize(r->findings.size());
  }
}
BENCHMARK(BM_CheckChartUpgrade)
    ->Arg(70)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond);

void BM_CheckRender(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  absl::StatusOr<Chart> chart = Chart::Load(GeneratedChart(n));
  std::string text;
  for (int i = 0; i < 10; ++i) {
    absl::StrAppend(&text, "c", i * n / 10, ":\n  image: {registry: r}\n",
                    "  hostPort: {enabled: true}\n  resources: {limits: "
                    "{cpu: 1}}\n");
  }
  absl::StatusOr<upgrade_core::document::Document> user =
      upgrade_core::document::Document::FromYaml(text, "user.yaml");
  const upgrade_core::document::Document effective =
      upgrade_core::compat::MergeValues(chart->values().root(), user->root());
  for (auto _ : state) {
    auto r = upgrade_core::chart::CheckRender(*chart, effective.root());
    benchmark::DoNotOptimize(r.findings.size());
  }
}
BENCHMARK(BM_CheckRender)->Arg(70)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_ExternalRender(benchmark::State& state) {
  const char* path = std::getenv("UPGRADE_CORE_BENCH_CHART");
  if (path == nullptr) {
    state.SkipWithError("UPGRADE_CORE_BENCH_CHART is not set");
    return;
  }
  absl::StatusOr<Chart> chart = Chart::Load(path);
  if (!chart.ok()) {
    state.SkipWithError(chart.status().ToString().c_str());
    return;
  }
  std::vector<upgrade_core::document::Document> overrides;
  if (const char* values = std::getenv("UPGRADE_CORE_BENCH_VALUES")) {
    absl::StatusOr<upgrade_core::document::Document> d =
        upgrade_core::document::Document::FromFile(values);
    if (!d.ok()) {
      state.SkipWithError(d.status().ToString().c_str());
      return;
    }
    overrides.push_back(*std::move(d));
  }
  for (auto _ : state) {
    // Merge included: what `upgradectl check --chart` does after loading.
    auto r = upgrade_core::compat::CheckChartRender(*chart, overrides);
    benchmark::DoNotOptimize(r->findings.size());
  }
}
BENCHMARK(BM_ExternalRender)->Unit(benchmark::kMillisecond);

void BM_ExternalChart(benchmark::State& state) {
  const char* path = std::getenv("UPGRADE_CORE_BENCH_CHART");
  if (path == nullptr) {
    state.SkipWithError("UPGRADE_CORE_BENCH_CHART is not set");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<Chart> chart = Chart::Load(path);
    if (!chart.ok()) {
      state.SkipWithError(chart.status().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(ReadValuesUsage(*chart).reads.size());
  }
}
BENCHMARK(BM_ExternalChart)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
