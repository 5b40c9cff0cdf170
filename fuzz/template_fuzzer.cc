// Fuzz target: the chart template reader (upgrade_core/chart/
// template_reader.h), the part of a chart check that reads text nobody
// vetted: a chart's Go templates.
//
// Input: one template text (read as a rendered template whose defines are
// available to its includes), and the same text split at the first "\n---\n"
// into a helpers file (_helpers.tpl) and a template using them, loaded as a
// chart through Chart::FromFiles.
//
// Properties:
//   * nothing crashes, hangs or recurses without bound, whatever the nesting
//     (blocks, parentheses, helpers including helpers);
//   * every problem and every read has a location inside the input (line >= 1,
//     column >= 1), and every read's gate index is valid;
//   * a template that did not parse leaves an Unresolved entry: what it reads
//     after the error is "not analysed", never "not read";
//   * Classify is consistent with ReadsOf: kRead or kPossiblyRead comes with a
//     read; kNotAnalysed with an unresolved entry.
// The render check (upgrade_core/chart/render_check.h) runs on both too, with
// fixed values holding maps, lists, strings, nulls and booleans:
//   * nothing crashes or recurses without bound (includes nest at most to
//     Helm's limit; the step budget holds);
//   * every finding has a location inside the input and a message; a
//     finding that is not certain says why.
// Both run with a twentieth of the default work budgets (see ReaderBudget).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "upgrade_core/chart/chart.h"
#include "upgrade_core/chart/render_check.h"
#include "upgrade_core/chart/template_reader.h"
#include "upgrade_core/document/document.h"

namespace {

using upgrade_core::chart::ValuesPath;
using upgrade_core::chart::ValuesUsage;

void CheckUsage(const ValuesUsage& u) {
  for (const auto& p : u.problems) {
    FUZZ_CHECK(p.location.line >= 1 && p.location.column >= 1,
               absl::StrCat("problem without a location: ", p.message));
    FUZZ_CHECK(!p.message.empty(), "problem without a message");
  }
  bool parse_error = false;
  for (const auto& p : u.problems) {
    if (p.message.find("not defined") == std::string::npos &&
        p.message.find("undefined variable") == std::string::npos) {
      parse_error = true;
    }
  }
  if (parse_error) {
    FUZZ_CHECK(!u.unresolved.empty(),
               "a template that did not parse left nothing unresolved");
  }
  for (const auto& r : u.reads) {
    FUZZ_CHECK(r.location.line >= 1 && r.location.column >= 1,
               absl::StrCat("read without a location: ",
                            upgrade_core::chart::ValuesPathToString(r.path)));
    FUZZ_CHECK(r.gate >= -1 && r.gate < static_cast<int>(u.gates.size()),
               absl::StrCat("bad gate index ", r.gate));
  }
  for (const auto& g : u.gates) {
    FUZZ_CHECK(g.parent >= -1 && g.parent < static_cast<int>(u.gates.size()),
               "bad gate parent");
  }
  // Probe a few keys: the ones read, plus fixed ones.
  std::vector<ValuesPath> probes = {{"a"}, {"a", "b"}, {"x", "y", "z"}};
  for (size_t i = 0; i < u.reads.size() && i < 16; ++i) {
    probes.push_back(u.reads[i].path);
  }
  for (const ValuesPath& key : probes) {
    ValuesUsage::Verdict v = u.Classify(key);
    switch (v.use) {
      case ValuesUsage::Use::kRead:
      case ValuesUsage::Use::kPossiblyRead:
        FUZZ_CHECK(v.read != nullptr, "a read verdict without its read");
        FUZZ_CHECK(!u.ReadsOf(key).empty(), "ReadsOf disagrees with Classify");
        break;
      case ValuesUsage::Use::kNotAnalysed:
        FUZZ_CHECK(v.unresolved != nullptr, "not analysed without a reason");
        break;
      case ValuesUsage::Use::kNotRead:
        FUZZ_CHECK(u.ReadsOf(key).empty(), "not read, yet ReadsOf has reads");
        break;
    }
  }
}

constexpr char kValues[] = R"(a:
  b: {c: 1, d: [1, 2]}
  s: text
  n: null
  on: true
  off: false
list: [{name: x}, {name: y}]
image: {repository: r, tag: "1"}
global: {image: {registry: reg}}
)";

void CheckRender(const upgrade_core::chart::RenderResult& r) {
  for (const auto& f : r.findings) {
    FUZZ_CHECK(f.location.line >= 1 && f.location.column >= 1,
               absl::StrCat("render finding without a location: ", f.message));
    FUZZ_CHECK(!f.message.empty(), "render finding without a message");
    FUZZ_CHECK(
        f.certain || !f.undecided.empty(),
        absl::StrCat("a possible finding that does not say why: ", f.message));
    FUZZ_CHECK(f.chain.size() <= 1000, "include chain past Helm's limit");
  }
}

}  // namespace

// Work budgets a twentieth of the defaults: an input that spends one runs
// in well under the fuzzer's 5 s per input under the sanitizers, so a
// timeout still means a hang; the budgets are the same code at any size.
upgrade_core::chart::ReaderLimits ReaderBudget() {
  upgrade_core::chart::ReaderLimits limits;
  limits.max_steps /= 20;
  return limits;
}
upgrade_core::chart::RenderLimits RenderBudget() {
  upgrade_core::chart::RenderLimits limits;
  limits.max_steps /= 20;
  return limits;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  upgrade_core::fuzz::CurrentInput() = input;
  CheckUsage(upgrade_core::chart::ReadTemplateValuesUsage(input, "t.yaml",
                                                          ReaderBudget()));
  static const upgrade_core::document::Document* values =
      new upgrade_core::document::Document(
          *upgrade_core::document::Document::FromYaml(kValues, "v.yaml"));
  CheckRender(upgrade_core::chart::CheckRenderText(
      input, "t.yaml", values->root(), RenderBudget()));

  absl::string_view helpers, templ = input;
  if (size_t cut = input.find("\n---\n"); cut != absl::string_view::npos) {
    helpers = input.substr(0, cut);
    templ = input.substr(cut + 5);
  }
  std::map<std::string, std::string> files = {
      {"Chart.yaml", "name: fuzz\nversion: 0.1.0\n"},
      {"templates/_helpers.tpl", std::string(helpers)},
      {"templates/t.yaml", std::string(templ)},
  };
  absl::StatusOr<upgrade_core::chart::Chart> chart =
      upgrade_core::chart::Chart::FromFiles(files, "fuzz");
  FUZZ_CHECK(chart.ok(), chart.status().ToString());
  CheckUsage(upgrade_core::chart::ReadValuesUsage(*chart, ReaderBudget()));
  CheckRender(
      upgrade_core::chart::CheckRender(*chart, values->root(), RenderBudget()));
  return 0;
}
