// Benchmarks of upgrade_core/compat (docs/performance.md, "Config
// compatibility"), each with a reference in this binary:
//   * loading a ~5 MB Helm-values-like YAML file: our Document (libyaml events
//     -> flat tree) vs yaml-cpp's YAML::Load, yaml-cpp's bare event parser
//     and libyaml's bare event loop (the floor for any libyaml loader);
//   * diffing two such documents: ours vs a hand-written recursive diff over
//     yaml-cpp YAML::Node trees;
//   * 1,000 rules over a 100k-key document: the rule engine vs the same
//     checks written by hand in C++.
//
// Inputs: UC_COMPAT_VALUES_A / UC_COMPAT_VALUES_B name the two 5 MB files of
// /work/shared/bench (gen/gen_yaml.py); without them a seeded generator in
// this file writes similar documents.
#include <yaml.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/common/ratio.h"
#include "upgrade_core/compat/diff.h"
#include "upgrade_core/compat/rules.h"
#include "upgrade_core/document/document.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/yaml.h"

namespace upgrade_core::compat {
namespace {

using document::Document;
using document::LoadOptions;
using document::Node;
using document::NodeKind;

// A seeded Helm-values-like document: `components` services with images,
// resources, env lists, ports, probes. `mutate` applies edits like a release.
std::string Generate(int components, uint32_t seed, bool mutate) {
  std::mt19937 rng(seed);
  std::mt19937 mut(seed + 1);
  std::string out;
  out.reserve(components * 3900);
  for (int i = 0; i < components; ++i) {
    if (mutate && mut() % 400 == 0) continue;  // removed component
    absl::StrAppend(&out, "svc-", i, ":\n");
    absl::StrAppend(&out, "  enabled: ", rng() % 10 ? "true" : "false", "\n");
    int replicas = 1 + rng() % 5;
    if (mutate && mut() % 30 == 0) ++replicas;
    absl::StrAppend(&out, "  replicaCount: ", replicas, "\n");
    absl::StrAppend(&out, "  image:\n    repository: registry.example.com/team",
                    rng() % 8, "/svc-", i, "\n");
    int minor = rng() % 40;
    if (mutate && mut() % 30 == 0) ++minor;
    absl::StrAppend(&out, "    tag: \"", rng() % 5, ".", minor, ".", rng() % 30,
                    "\"\n    pullPolicy: IfNotPresent\n");
    absl::StrAppend(&out,
                    "  podAnnotations:\n    prometheus.io/scrape: \"true\"\n"
                    "    checksum/config: \"",
                    rng(), rng(), "\"\n");
    absl::StrAppend(
        &out, "  securityContext:\n    runAsNonRoot: true\n    runAsUser: ",
        1000 + rng() % 1000,
        "\n    readOnlyRootFilesystem: true\n    capabilities:\n"
        "      drop: [ALL]\n");
    absl::StrAppend(&out, "  service:\n    type: ClusterIP\n    port: ",
                    8000 + rng() % 100, "\n    targetPort: http\n");
    absl::StrAppend(
        &out, "  resources:\n    limits: {cpu: ", 100 * (1 + rng() % 8),
        "m, memory: ", 128 * (1 + rng() % 8),
        "Mi}\n    requests:\n      cpu: 100m\n      memory: 64Mi\n");
    absl::StrAppend(&out, "  env:\n");
    int envs = rng() % 12;
    for (int e = 0; e < envs; ++e) {
      if (mutate && mut() % 60 == 0) continue;
      absl::StrAppend(&out, "    - name: VAR_", e, "\n      value: \"",
                      rng() % 100, "\"\n");
    }
    if (mutate && mut() % 50 == 0) {
      absl::StrAppend(&out, "    - name: ADDED\n      value: \"1\"\n");
    }
    absl::StrAppend(&out, "  ports:\n");
    for (int p = 0; p < 2; ++p) {
      absl::StrAppend(&out, "    - name: port-", p,
                      "\n      containerPort: ", 8080 + p,
                      "\n      protocol: TCP\n");
    }
    absl::StrAppend(
        &out,
        "  livenessProbe:\n    httpGet: {path: /healthz, port: http}\n"
        "    initialDelaySeconds: 10\n    periodSeconds: 10\n");
    absl::StrAppend(&out,
                    "  config: |\n    server:\n      port: 8080\n    "
                    "database:\n      url: postgres://db.internal/x\n");
    absl::StrAppend(&out,
                    "  args: [\"--log-level=info\", \"--port=8080\", "
                    "\"--metrics\"]\n");
  }
  return out;
}

std::string ReadOr(const char* env, int components, uint32_t seed,
                   bool mutate) {
  if (const char* path = std::getenv(env)) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  return Generate(components, seed, mutate);
}

const std::string& TextA() {
  static const auto* s =
      new std::string(ReadOr("UC_COMPAT_VALUES_A", 1360, 20240604, false));
  return *s;
}
const std::string& TextB() {
  static const auto* s =
      new std::string(ReadOr("UC_COMPAT_VALUES_B", 1360, 20240604, true));
  return *s;
}

// ---------------------------------------------------------------------------
// Loading

void BM_LoadDocument(benchmark::State& state) {
  const std::string& text = TextA();
  for (auto _ : state) {
    absl::StatusOr<Document> d = Document::FromYaml(text, "values.yaml");
    if (!d.ok()) state.SkipWithError(std::string(d.status().message()).c_str());
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_LoadDocument)->Unit(benchmark::kMillisecond);

void BM_LoadYamlCppNode_Reference(benchmark::State& state) {
  const std::string& text = TextA();
  for (auto _ : state) {
    YAML::Node n = YAML::Load(text);
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_LoadYamlCppNode_Reference)->Unit(benchmark::kMillisecond);

class NullHandler : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { ++n; }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { ++n; }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string& v) override {
    n += v.size();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    ++n;
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    ++n;
  }
  void OnMapEnd() override {}
  size_t n = 0;
};

void BM_YamlCppEvents_Reference(benchmark::State& state) {
  const std::string& text = TextA();
  for (auto _ : state) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    NullHandler h;
    while (parser.HandleNextDocument(h)) {
    }
    benchmark::DoNotOptimize(h.n);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_YamlCppEvents_Reference)->Unit(benchmark::kMillisecond);

// libyaml's event parsing alone, events counted and dropped: the floor for
// any libyaml-based loader.
size_t CountLibyamlEvents(const std::string& text) {
  yaml_parser_t p;
  yaml_parser_initialize(&p);
  yaml_parser_set_input_string(
      &p, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  yaml_event_t ev;
  size_t n = 0;
  bool done = false;
  while (!done && yaml_parser_parse(&p, &ev)) {
    done = ev.type == YAML_STREAM_END_EVENT;
    ++n;
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  return n;
}

void BM_LibyamlEvents_Reference(benchmark::State& state) {
  const std::string& text = TextA();
  for (auto _ : state) {
    benchmark::DoNotOptimize(CountLibyamlEvents(text));
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_LibyamlEvents_Reference)->Unit(benchmark::kMillisecond);

// Issue 14's YAML target as one same-run ratio: Document::FromYaml against
// libyaml's event parsing alone (the floor for any libyaml-based loader),
// alternating (target 1.2x).
void BM_LoadDocumentVsLibyamlEvents(benchmark::State& state) {
  const std::string& text = TextA();
  bench::MeasureRatio(
      state, {1.2, 1.2}, [&] { return CountLibyamlEvents(text); },
      [&] {
        return Document::FromYaml(text, "values.yaml").ok() ? size_t{1} : 0;
      });
  state.counters["MB"] = text.size() / 1e6;
}
BENCHMARK(BM_LoadDocumentVsLibyamlEvents)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------
// Diff

void BM_Diff(benchmark::State& state) {
  static const Document* a =
      new Document(*Document::FromYaml(TextA(), "a.yaml"));
  static const Document* b =
      new Document(*Document::FromYaml(TextB(), "b.yaml"));
  size_t changes = 0;
  for (auto _ : state) {
    std::vector<Change> c = Diff(a->root(), b->root());
    changes = c.size();
    benchmark::DoNotOptimize(c);
  }
  state.counters["changes"] = changes;
}
BENCHMARK(BM_Diff)->Unit(benchmark::kMillisecond);

// Hand-written recursive diff over yaml-cpp trees (lists by index, paths
// built as strings), the way a C++ user without this library would write it.
void NaiveDiff(const YAML::Node& a, const YAML::Node& b, std::string& path,
               std::vector<std::string>& out) {
  if (a.Type() != b.Type()) {
    out.push_back("type " + path);
    return;
  }
  if (a.IsMap()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      const std::string k = it->first.Scalar();
      size_t mark = path.size();
      path += "." + k;
      YAML::Node bv = b[k];
      if (!bv) {
        out.push_back("removed " + path);
      } else {
        NaiveDiff(it->second, bv, path, out);
      }
      path.resize(mark);
    }
    for (auto it = b.begin(); it != b.end(); ++it) {
      if (!a[it->first.Scalar()]) {
        out.push_back("added " + path + "." + it->first.Scalar());
      }
    }
  } else if (a.IsSequence()) {
    size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      size_t mark = path.size();
      path += absl::StrCat("[", i, "]");
      if (i < n) {
        NaiveDiff(a[i], b[i], path, out);
      } else {
        out.push_back((i < a.size() ? "removed " : "added ") + path);
      }
      path.resize(mark);
    }
  } else if (a.IsScalar() && a.Scalar() != b.Scalar()) {
    out.push_back("changed " + path);
  }
}

void BM_DiffYamlCpp_Reference(benchmark::State& state) {
  static const YAML::Node* a = new YAML::Node(YAML::Load(TextA()));
  static const YAML::Node* b = new YAML::Node(YAML::Load(TextB()));
  size_t changes = 0;
  for (auto _ : state) {
    std::vector<std::string> out;
    std::string path;
    NaiveDiff(*a, *b, path, out);
    changes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.counters["changes"] = changes;
}
BENCHMARK(BM_DiffYamlCpp_Reference)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------
// 1,000 rules over a 100k-key document

// 1,000 components x 100 keys.
const Document& BigDoc() {
  static const Document* d = [] {
    std::string text;
    for (int c = 0; c < 1000; ++c) {
      absl::StrAppend(
          &text, "c", c, ":\n  kind: ", c % 7 ? "Deployment" : "DaemonSet",
          "\n  replicas: ", c % 5, "\n  strategy:\n    maxSurge: ", c % 3,
          "\n    hostPort: ", c % 11 ? 0 : 80, "\n  keys:\n");
      for (int k = 0; k < 95; ++k)
        absl::StrAppend(&text, "    k", k, ": ", k, "\n");
    }
    return new Document(*Document::FromYaml(text, "big.yaml"));
  }();
  return *d;
}

// 250 each of: allowed-values, required-key, type-changed, condition.
const RulePack& ThousandRules() {
  static const RulePack* p = [] {
    std::string text = "name: bench\nrules:\n";
    for (int i = 0; i < 250; ++i) {
      absl::StrAppend(&text, "- {id: av", i, ", kind: allowed-values, path: c",
                      i, ".kind, values: [Deployment, StatefulSet]}\n");
      absl::StrAppend(&text, "- {id: rk", i, ", kind: required-key, path: c",
                      250 + i, ".keys.k", i % 100, "}\n");
      absl::StrAppend(&text, "- {id: tc", i, ", kind: type-changed, path: c",
                      500 + i, ".replicas, type: string}\n");
      absl::StrAppend(
          &text, "- id: cd", i,
          "\n  kind: condition\n  when:\n    all:\n      - {path: c", 750 + i,
          ".kind, equals: DaemonSet}\n      - {path: c", 750 + i,
          ".strategy.hostPort, gt: 0}\n      - {path: c", 750 + i,
          ".strategy.maxSurge, gt: 0}\n");
    }
    absl::StatusOr<RulePack> pack = RulePack::FromYaml(text);
    if (!pack.ok()) std::abort();
    return new RulePack(*std::move(pack));
  }();
  return *p;
}

void BM_Rules1000On100kKeys(benchmark::State& state) {
  const Document& doc = BigDoc();
  const RulePack& pack = ThousandRules();
  size_t findings = 0;
  for (auto _ : state) {
    absl::StatusOr<std::vector<diag::Diagnostic>> out =
        pack.Evaluate(doc.root(), {});
    findings = out.ok() ? out->size() : 0;
    benchmark::DoNotOptimize(out);
  }
  state.counters["findings"] = findings;
  state.counters["nodes"] = doc.node_count();
}
BENCHMARK(BM_Rules1000On100kKeys)->Unit(benchmark::kMillisecond);

// The same 1,000 checks hand-written against the tree (names precomputed).
void BM_Rules1000On100kKeys_Reference(benchmark::State& state) {
  const Document& doc = BigDoc();
  std::vector<std::string> names, keys;
  for (int i = 0; i < 1000; ++i) names.push_back(absl::StrCat("c", i));
  for (int i = 0; i < 100; ++i) keys.push_back(absl::StrCat("k", i));
  size_t findings = 0;
  for (auto _ : state) {
    findings = 0;
    Node root = doc.root();
    for (int i = 0; i < 250; ++i) {
      std::optional<Node> c = root.Get(names[i]);
      std::optional<Node> kind = c ? c->Get("kind") : std::nullopt;
      if (kind && kind->text() != "Deployment" &&
          kind->text() != "StatefulSet") {
        ++findings;
      }
      std::optional<Node> c2 = root.Get(names[250 + i]);
      std::optional<Node> ks = c2 ? c2->Get("keys") : std::nullopt;
      if (!ks || !ks->Get(keys[i % 100])) ++findings;
      std::optional<Node> c3 = root.Get(names[500 + i]);
      std::optional<Node> r = c3 ? c3->Get("replicas") : std::nullopt;
      if (r && r->kind() != NodeKind::kString) ++findings;
      std::optional<Node> c4 = root.Get(names[750 + i]);
      if (c4) {
        std::optional<Node> k4 = c4->Get("kind");
        std::optional<Node> s = c4->Get("strategy");
        std::optional<Node> hp = s ? s->Get("hostPort") : std::nullopt;
        std::optional<Node> ms = s ? s->Get("maxSurge") : std::nullopt;
        if (k4 && k4->text() == "DaemonSet" && hp && hp->int_value() > 0 &&
            ms && ms->int_value() > 0) {
          ++findings;
        }
      }
    }
    benchmark::DoNotOptimize(findings);
  }
  state.counters["findings"] = findings;
}
BENCHMARK(BM_Rules1000On100kKeys_Reference)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace upgrade_core::compat

BENCHMARK_MAIN();
