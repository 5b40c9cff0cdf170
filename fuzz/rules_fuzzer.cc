// Fuzz target: rule packs (upgrade_core/compat/rules.h).
//
// Input: a rule pack's YAML, then optionally a line "=====" followed by a
// YAML stream of documents to evaluate (values or manifests). The pack is
// loaded with RulePack::FromYaml; the documents are evaluated by it and by
// every built-in pack, one by one (Evaluate) and as a set (EvaluateSet),
// with a fixed context.
//
// Properties:
//   * evaluation is deterministic: evaluating twice gives the same
//     findings;
//   * every finding names a rule of the pack that produced it;
//   * every loaded rule's id is "<pack name>/<id>";
//   * reports of the findings render (text, JSON, SARIF) and the JSON
//     report loads as a JSON document.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/document_properties.h"
#include "fuzz/fuzz_check.h"
#include "upgrade_core/compat/rules.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/document/document.h"

namespace {

using upgrade_core::compat::RuleContext;
using upgrade_core::compat::RulePack;
using upgrade_core::diag::Diagnostic;
using upgrade_core::diag::Report;
using upgrade_core::document::Document;
using upgrade_core::document::Node;

constexpr absl::string_view kSeparator = "\n=====\n";

std::string Describe(const std::vector<Diagnostic>& findings) {
  std::string out;
  for (const Diagnostic& f : findings) {
    absl::StrAppend(&out, "\n    ", f.location.ToString(), " ", f.code, " ",
                    f.path, ": ", f.message);
  }
  return out;
}

bool SameFindings(const std::vector<Diagnostic>& a,
                  const std::vector<Diagnostic>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].code != b[i].code || a[i].severity != b[i].severity ||
        a[i].path != b[i].path || a[i].message != b[i].message ||
        a[i].hint != b[i].hint ||
        a[i].location.ToString() != b[i].location.ToString()) {
      return false;
    }
  }
  return true;
}

void CheckFindings(const RulePack& pack, const std::vector<Diagnostic>& found) {
  std::set<std::string> ids;
  for (const auto& rule : pack.rules()) ids.insert(rule.id);
  for (const Diagnostic& f : found) {
    FUZZ_CHECK(ids.count(f.code) > 0,
               absl::StrCat("finding of unknown rule \"", f.code,
                            "\" from pack ", pack.name()));
  }
  Report report;
  report.findings = found;
  report.Normalize();
  (void)report.ToText();
  (void)report.ToSarif();
  std::string json = report.ToJson();
  absl::StatusOr<Document> parsed = Document::FromJson(json, "<report>");
  FUZZ_CHECK(parsed.ok(), absl::StrCat("report JSON does not load: ",
                                       parsed.status().ToString(),
                                       "\n  json: ", json.substr(0, 2000)));
}

void Evaluate(const RulePack& pack, const std::vector<Document>& docs) {
  const RuleContext context = {{"kubernetes", "1.31.5+rke2r1"},
                               {"chart", "4.12.1"},
                               {"kubelet", "1.29.3"},
                               {"kube-proxy", "1.31.0"},
                               {"kubectl", "1.33.0"}};
  std::vector<Node> roots;
  for (const Document& d : docs) {
    roots.push_back(d.root());
    absl::StatusOr<std::vector<Diagnostic>> first =
        pack.Evaluate(d.root(), context);
    absl::StatusOr<std::vector<Diagnostic>> second =
        pack.Evaluate(d.root(), context);
    FUZZ_CHECK(
        first.status() == second.status(),
        absl::StrCat("Evaluate status differs: ", first.status().ToString(),
                     " vs ", second.status().ToString()));
    if (!first.ok() || !second.ok()) continue;
    FUZZ_CHECK(SameFindings(*first, *second),
               absl::StrCat("Evaluate not deterministic:", Describe(*first),
                            "\n  vs", Describe(*second)));
    CheckFindings(pack, *first);
  }
  absl::StatusOr<std::vector<Diagnostic>> set_findings =
      pack.EvaluateSet(roots, context);
  if (set_findings.ok()) CheckFindings(pack, *set_findings);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  upgrade_core::fuzz::CurrentInput() = input;
  absl::string_view pack_text = input, docs_text;
  if (size_t cut = input.find(kSeparator); cut != absl::string_view::npos) {
    pack_text = input.substr(0, cut);
    docs_text = input.substr(cut + kSeparator.size());
  }

  std::vector<Document> docs;
  if (!docs_text.empty()) {
    absl::StatusOr<std::vector<Document>> loaded = Document::FromYamlStream(
        docs_text, "docs.yaml", upgrade_core::fuzz::FuzzLoadOptions());
    if (loaded.ok() && loaded->size() <= 8) docs = *std::move(loaded);
  }

  absl::StatusOr<RulePack> pack = RulePack::FromYaml(pack_text, "pack.yaml");
  if (pack.ok()) {
    for (const auto& rule : pack->rules()) {
      FUZZ_CHECK(absl::StartsWith(rule.id, absl::StrCat(pack->name(), "/")),
                 absl::StrCat("rule id \"", rule.id, "\" in pack \"",
                              pack->name(), "\""));
    }
    (void)pack->RenameTarget("controller.service.ports.http");
    Evaluate(*pack, docs);
  }
  if (!docs.empty()) {
    static const std::vector<RulePack>* builtins = [] {
      auto* packs = new std::vector<RulePack>;
      for (const std::string& name : RulePack::BuiltinNames()) {
        packs->push_back(*RulePack::Builtin(name));
      }
      return packs;
    }();
    for (const RulePack& builtin : *builtins) Evaluate(builtin, docs);
  }
  return 0;
}
