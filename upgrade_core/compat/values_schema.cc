// values.schema.json through valijson. Both documents go to valijson as
// nlohmann::json (the adapter Debian's valijson ships); violations come back
// with a context path that is walked in the merged document, whose nodes
// keep the location of the file each value came from.
#include "upgrade_core/compat/values_schema.h"

#include <exception>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/document/path.h"

namespace upgrade_core::compat {
namespace {

using diag::Diagnostic;
using diag::Severity;
using document::Document;
using document::Node;

// Walks a valijson context ("<root>", "[controller]", "[0]") in `root`;
// returns the deepest node reached, the printed path and whether the whole
// context was found.
struct Resolved {
  Node node;
  std::string path;
};

Resolved Resolve(const Node& root, const std::vector<std::string>& context) {
  Resolved r{root, ""};
  for (const std::string& raw : context) {
    if (raw == "<root>") continue;
    absl::string_view part = raw;
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
      part = part.substr(1, part.size() - 2);
    }
    if (part.size() >= 2 && part.front() == '"' && part.back() == '"') {
      part = part.substr(1, part.size() - 2);
    }
    size_t index = 0;
    if (r.node.is_list() && absl::SimpleAtoi(part, &index) &&
        index < r.node.size()) {
      r.node = r.node.child(index);
      r.path = absl::StrCat(r.path, "[", index, "]");
      continue;
    }
    std::optional<Node> child = r.node.Get(part);
    document::AppendKey(&r.path, part);
    if (!child) break;
    r.node = *child;
  }
  return r;
}

}  // namespace

void ValidateValuesSchema(const Document& schema, const Document& merged,
                          std::vector<Diagnostic>* out) {
  try {
    const nlohmann::json schema_json = nlohmann::json::parse(schema.ToJson());
    const nlohmann::json values_json = nlohmann::json::parse(merged.ToJson());
    valijson::Schema parsed;
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_json);
    parser.populateSchema(schema_adapter, parsed);
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter values_adapter(values_json);
    if (validator.validate(parsed, values_adapter, &results)) return;
    // valijson reports a violation and then each enclosing schema that
    // failed because of it; keep the innermost report per place.
    std::vector<valijson::ValidationResults::Error> errors(results.begin(),
                                                           results.end());
    std::set<std::string> seen;
    for (size_t i = 0; i < errors.size(); ++i) {
      const auto& e = errors[i];
      bool enclosing = false;
      for (size_t j = 0; j < errors.size() && !enclosing; ++j) {
        const auto& other = errors[j];
        enclosing = j != i && other.context.size() > e.context.size() &&
                    std::equal(e.context.begin(), e.context.end(),
                               other.context.begin());
      }
      if (enclosing) continue;
      Resolved r = Resolve(merged.root(), e.context);
      if (!seen.insert(r.path + "\n" + e.description).second) continue;
      Diagnostic d;
      d.code = "chart/schema-violation";
      d.severity = Severity::kError;
      d.path = r.path;
      d.message =
          absl::StrCat(r.path.empty() ? "the values" : r.path,
                       " violate the new chart's values.schema.json: ",
                       document::TruncateForDisplay(e.description, 200));
      d.hint =
          "fix the value (Helm refuses to install or upgrade with values "
          "that violate the chart's schema)";
      d.location = r.node.location();
      if (!d.location.known()) d.location = schema.root().location();
      out->push_back(std::move(d));
    }
  } catch (const std::exception& e) {
    Diagnostic d;
    d.code = "chart/schema-unusable";
    d.severity = Severity::kWarning;
    d.message = absl::StrCat(
        "the new chart's values.schema.json cannot be used, so the values "
        "are not checked against it: ",
        document::TruncateForDisplay(e.what(), 200));
    d.hint = "check the schema with a JSON Schema validator";
    d.location = schema.root().location();
    out->push_back(std::move(d));
  }
}

}  // namespace upgrade_core::compat
