// Plan: loading (FromYaml/FromFile/FromProto) and the structural checks any
// plan gets, the enum names, and durations. The schema walk itself is in
// schema_reader.cc (values) and schema_document.cc / schema_component.cc
// (the sections).
#include "upgrade_core/plan/plan.h"

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/document/file_reader.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/plan/schema_reader.h"
#include "upgrade_core/plan/schema_sections.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::plan {
namespace {

// Checks that hold for any plan, however built: ids present and unique.
void CheckStructure(const proto::UpgradePlan& plan,
                    std::vector<diag::Diagnostic>& problems) {
  absl::flat_hash_map<absl::string_view, int> first;
  for (int i = 0; i < plan.components_size(); ++i) {
    const proto::Component& c = plan.components(i);
    if (c.id().empty()) continue;  // reported by the loader
    auto [it, inserted] = first.emplace(c.id(), i);
    if (inserted) continue;
    diag::Diagnostic p;
    p.code = "schema.duplicate-id";
    p.path = absl::StrCat("components[", i, "].id");
    p.component = c.id();
    // Without a line (a plan built in code or from data) the index says
    // more than the file name alone.
    const proto::SourceLocation& where = plan.components(it->second).location();
    p.message = absl::StrCat(
        "duplicate component id \"", c.id(), "\" (first defined at ",
        where.line() > 0 ? FormatLocation(where)
                         : absl::StrCat("components[", it->second, "]"),
        ")");
    p.location = ToLocation(c.location());
    problems.push_back(std::move(p));
  }
}

std::string DirName(absl::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return "";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

}  // namespace

absl::StatusOr<Plan> Plan::FromYaml(absl::string_view text,
                                    const LoadOptions& options) {
  const std::string source =
      options.source_name.empty() ? "<input>" : options.source_name;
  // compat's loader: libyaml events straight into a compact tree with a
  // location on every node and key, bounded against hostile input.
  document::LoadOptions load;
  load.allow_duplicate_keys = true;  // reported by the schema walk, by name
  absl::StatusOr<document::Document> doc =
      document::Document::FromYaml(text, source, load);
  if (!doc.ok()) {
    // "source:line:col: what" -> a located problem.
    diag::Diagnostic p;
    p.code = "yaml.syntax";
    p.location.source = source;
    absl::string_view message = doc.status().message();
    std::vector<absl::string_view> parts;
    if (absl::StartsWith(message, absl::StrCat(source, ":"))) {
      parts = absl::StrSplit(message.substr(source.size() + 1),
                             absl::MaxSplits(':', 2));
    }
    int line = 0, column = 0;
    if (parts.size() == 3 && absl::SimpleAtoi(parts[0], &line) &&
        absl::SimpleAtoi(parts[1], &column)) {
      p.location.line = line;
      p.location.column = column;
      message = absl::StripLeadingAsciiWhitespace(parts[2]);
    }
    p.message = std::string(message);
    return ProblemsToStatus(absl::StrCat("invalid plan ", source, ":"), {p});
  }
  LoadOptions named = options;
  named.source_name = source;
  return FromDocument(*doc, named);
}

absl::StatusOr<Plan> Plan::FromDocument(const document::Document& doc,
                                        const LoadOptions& options) {
  const std::string source =
      options.source_name.empty() ? "<input>" : options.source_name;
  internal::SchemaReader reader(source, options.base_dir, options.allowed_dirs,
                                options.line_numbers);
  proto::UpgradePlan plan;
  plan.set_source(source);
  plan.set_base_dir(options.base_dir);
  internal::ReadPlanDocument(reader, doc.root(), &plan);
  CheckStructure(plan, reader.problems());
  if (!reader.problems().empty()) {
    return ProblemsToStatus(
        absl::StrCat("invalid plan ", source, " (", reader.problems().size(),
                     " problem", reader.problems().size() == 1 ? "" : "s",
                     "):"),
        reader.problems());
  }
  return Plan(std::move(plan));
}

absl::StatusOr<Plan> Plan::FromFile(absl::string_view path,
                                    LoadOptions options) {
  UC_ASSIGN_OR_RETURN(const std::string text, document::ReadFileBounded(path));
  if (options.source_name.empty()) {
    options.source_name = path == "-" ? "<stdin>" : std::string(path);
  }
  if (options.base_dir.empty() && path != "-") options.base_dir = DirName(path);
  return FromYaml(text, options);
}

absl::StatusOr<Plan> Plan::FromProto(proto::UpgradePlan plan) {
  std::vector<diag::Diagnostic> problems;
  for (int i = 0; i < plan.components_size(); ++i) {
    proto::Component& c = *plan.mutable_components(i);
    if (c.kind() == proto::COMPONENT_KIND_UNSPECIFIED)
      c.set_kind(proto::GENERIC);
    if (c.id().empty()) {
      diag::Diagnostic p;
      p.code = "schema.required";
      p.path = absl::StrCat("components[", i, "]");
      p.message = "missing required field \"id\"";
      problems.push_back(std::move(p));
    }
  }
  CheckStructure(plan, problems);
  if (!problems.empty()) return ProblemsToStatus("invalid plan:", problems);
  return Plan(std::move(plan));
}

absl::string_view ComponentKindName(proto::ComponentKind kind) {
  return internal::NameOf(internal::kKinds, kind);
}
absl::string_view StrategyTypeName(proto::StrategyType type) {
  if (type == proto::STRATEGY_TYPE_UNSPECIFIED) return "default";
  return internal::NameOf(internal::kStrategies, type);
}
absl::string_view FailurePolicyName(proto::FailurePolicy policy) {
  if (policy == proto::FAILURE_POLICY_UNSPECIFIED) return "rollback-all";
  return internal::NameOf(internal::kFailurePolicies, policy);
}
absl::string_view StepKindName(proto::StepKind kind) {
  return internal::NameOf(internal::kStepKinds, kind);
}

absl::StatusOr<int64_t> ParseDurationMs(absl::string_view text) {
  const std::string original = internal::Shorten(text);
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return absl::InvalidArgumentError("empty duration");
  int64_t plain = 0;
  if (absl::SimpleAtoi(text, &plain)) {  // bare number: seconds
    if (plain < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("negative duration \"", original, "\""));
    }
    if (plain > std::numeric_limits<int64_t>::max() / 1000) {
      return absl::InvalidArgumentError(
          absl::StrCat("duration \"", original, "\" is out of range"));
    }
    return plain * 1000;
  }
  double total_ms = 0;
  while (!text.empty()) {
    size_t i = 0;
    while (i < text.size() && (absl::ascii_isdigit(text[i]) || text[i] == '.'))
      ++i;
    double number = 0;
    if (i == 0 || !absl::SimpleAtod(text.substr(0, i), &number)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid duration \"", original, "\""));
    }
    text.remove_prefix(i);
    size_t j = 0;
    while (j < text.size() && absl::ascii_isalpha(text[j])) ++j;
    const absl::string_view unit = text.substr(0, j);
    text.remove_prefix(j);
    double scale = 0;
    if (unit == "ms")
      scale = 1;
    else if (unit == "s")
      scale = 1000;
    else if (unit == "m")
      scale = 60 * 1000;
    else if (unit == "h")
      scale = 3600 * 1000;
    else {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid duration \"", original, "\": unit \"", unit,
                       "\" is not one of ms, s, m, h"));
    }
    total_ms += number * scale;
    // Past 2^62 ms (146 million years) a double no longer converts safely.
    if (!std::isfinite(total_ms) || total_ms > 4.6e18) {
      return absl::InvalidArgumentError(
          absl::StrCat("duration \"", original, "\" is out of range"));
    }
  }
  return static_cast<int64_t>(std::llround(total_ms));
}

std::string FormatDurationMs(int64_t ms) {
  if (ms % 1000 != 0) {
    if (ms < 1000) return absl::StrCat(ms, "ms");
    return absl::StrCat(static_cast<double>(ms) / 1000, "s");
  }
  int64_t s = ms / 1000;
  std::string out;
  if (s >= 3600) absl::StrAppend(&out, s / 3600, "h"), s %= 3600;
  if (s >= 60) absl::StrAppend(&out, s / 60, "m"), s %= 60;
  if (s > 0 || out.empty()) absl::StrAppend(&out, s, "s");
  return out;
}

}  // namespace upgrade_core::plan
