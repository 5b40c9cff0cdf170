// File: schema_reader.h
// -----------------------------------------------------------------------------
// INTERNAL to upgrade_core/plan: not part of the public API. The header is in
// the `plan` target's srcs, so nothing outside that target can include it;
// callers use Plan::FromYaml/FromFile (plan.h).
//
// SchemaReader: what the UpgradePlan schema walk shares. It reads one value
// of a document::Document at a time into a proto field (a string, a strict
// integer, a duration, an enum name, a mapping's known fields) and records
// every problem with its path and file:line:column instead of stopping at
// the first. The sections of the schema are free functions over it
// (schema_sections.h). Also the enum name tables the walk and plan.cc's
// *Name() functions share, and the schema's numeric limits. Not thread-safe;
// one reader per load.
#ifndef UPGRADE_CORE_PLAN_SCHEMA_READER_H_
#define UPGRADE_CORE_PLAN_SCHEMA_READER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/map.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/proto/plan.pb.h"

namespace upgrade_core::plan::internal {

// One YAML spelling of an enum value.
template <typename Enum>
struct EnumName {
  Enum value;
  absl::string_view name;
};

inline constexpr EnumName<proto::ComponentKind> kKinds[] = {
    {proto::GENERIC, "Generic"},
    {proto::JOB, "Job"},
    {proto::DEPLOYMENT, "Deployment"},
    {proto::DAEMON_SET, "DaemonSet"},
    {proto::STATEFUL_SET, "StatefulSet"},
    {proto::WEBHOOK, "Webhook"},
    {proto::CRD, "CRD"},
};
inline constexpr EnumName<proto::StrategyType> kStrategies[] = {
    {proto::ROLLING_UPDATE, "RollingUpdate"},
    {proto::TERMINATE_FIRST, "TerminateFirst"},
    {proto::TERMINATE_FIRST, "Recreate"},  // Kubernetes' name for it
    {proto::START_FIRST, "StartFirst"},
    {proto::ON_DELETE, "OnDelete"},
};
inline constexpr EnumName<proto::FailurePolicy> kFailurePolicies[] = {
    {proto::ROLLBACK_ALL, "rollback-all"},
    {proto::ROLLBACK_FAILED, "rollback-failed"},
    {proto::PAUSE, "pause"},
    {proto::CONTINUE, "continue"},
};
inline constexpr EnumName<proto::WebhookFailurePolicy> kWebhookPolicies[] = {
    {proto::FAIL, "Fail"},
    {proto::IGNORE, "Ignore"},
};
inline constexpr EnumName<proto::StepKind> kStepKinds[] = {
    {proto::PREFLIGHT, "preflight"},         {proto::BACKUP, "backup"},
    {proto::TERMINATE_OLD, "terminate-old"}, {proto::START_NEW, "start-new"},
    {proto::AWAIT_READY, "await-ready"},     {proto::VERIFY, "verify"},
    {proto::ROLLBACK, "rollback"},
};

// The first name of `value` in `table`, "" when it has none.
template <typename Enum, size_t N>
absl::string_view NameOf(const EnumName<Enum> (&table)[N], Enum value) {
  for (const auto& e : table) {
    if (e.value == value) return e.name;
  }
  return "";
}

// Numeric ranges of the plan schema (docs/limits.md).
inline constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
inline constexpr int64_t kMinTimeoutMs = 1;  // 0 is not "default"
inline constexpr int64_t kMaxTimeoutMs =
    int64_t{8760} * 3600 * 1000;                                     // 365 days
inline constexpr int64_t kMaxBackoffMs = int64_t{24} * 3600 * 1000;  // 1 day
inline constexpr int64_t kMaxAttempts = 1000;
inline constexpr size_t kMaxIdLength = 253;  // a Kubernetes DNS subdomain name

// What a node is, for messages: "a mapping", "a list", "a scalar" or "null".
absl::string_view NodeTypeName(const document::Node& node);
// A non-null scalar (document's is_scalar() includes null).
bool IsScalar(const document::Node& node);
// Text for messages, cut short: never echo a long value.
std::string Shorten(absl::string_view text);
std::string ShortText(const document::Node& node);

class SchemaReader {
 public:
  // `file` names the source in every location. Relative config file
  // references resolve against `base_dir` ("" keeps them as written) and
  // must stay inside it unless under one of `allowed_dirs`.
  // `line_numbers` false: the document has no meaningful lines (built from
  // data), so locations name the file only.
  SchemaReader(std::string file, std::string base_dir,
               std::vector<std::string> allowed_dirs, bool line_numbers = true)
      : file_(std::move(file)),
        base_dir_(std::move(base_dir)),
        allowed_dirs_(std::move(allowed_dirs)),
        line_numbers_(line_numbers) {}

  // Every problem recorded so far, in document order.
  std::vector<diag::Diagnostic>& problems() { return problems_; }

  const std::string& base_dir() const { return base_dir_; }
  const std::vector<std::string>& allowed_dirs() const { return allowed_dirs_; }
  // `file` against base_dir (absolute paths and "" stay as they are).
  std::string Resolve(const std::string& file) const;

  proto::SourceLocation Loc(const document::Location& where) const;
  proto::SourceLocation Loc(const document::Node& node) const {
    return Loc(node.location());
  }

  template <typename At>  // a document::Node or a document::Location
  void Error(const At& at, const std::string& path, const std::string& code,
             std::string message, std::string hint = "") {
    diag::Diagnostic& p = problems_.emplace_back();
    p.code = code;
    p.path = path;
    p.message = std::move(message);
    p.hint = std::move(hint);
    p.location = ToLocation(Loc(at));
  }

  // A list entry that must be a mapping (a component, a floor, a check).
  // Unlike an optional section, an empty entry (`- ` with nothing after it)
  // is an error: it would otherwise load as an entry with no fields.
  bool ListEntryIsMap(const document::Node& node, const std::string& path) {
    if (node.is_map()) return true;
    Error(node, path, "schema.type",
          absl::StrCat("expected a mapping, got ", NodeTypeName(node)));
    return false;
  }

  // Iterates a mapping's keys, rejecting unknown and duplicate ones; calls
  // `field(key, value, path)` for each known key. Returns false (and records
  // a problem) when `node` is not a mapping.
  template <typename Fn>
  bool ForFields(const document::Node& node, const std::string& path,
                 const std::vector<absl::string_view>& known, Fn field) {
    if (!node.is_map()) {
      if (!node.is_null()) {
        Error(node, path, "schema.type",
              absl::StrCat("expected a mapping, got ", NodeTypeName(node)));
      }
      return false;
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < node.size(); ++i) {
      const document::Location key = node.key_location(i);
      const std::string name(node.key(i));
      const std::string child =
          path.empty() ? name : absl::StrCat(path, ".", name);
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        const std::string guess = DidYouMean(name, known);
        Error(key, child, "schema.unknown-field",
              absl::StrCat("unknown field \"", name, "\"",
                           guess.empty() ? ""
                                         : absl::StrCat(" (did you mean \"",
                                                        guess, "\"?)")),
              absl::StrCat("known fields here: ", absl::StrJoin(known, ", ")));
        continue;
      }
      if (!seen.insert(name).second) {
        Error(key, child, "schema.duplicate-field",
              absl::StrCat("field \"", name, "\" is given twice"));
        continue;
      }
      field(name, node.child(i), child);
    }
    return true;
  }

  // The plan schema is strict where YAML 1.1 is ambiguous (docs/limits.md):
  // a string field takes only a string (`id: 123` or `id: true` is an error,
  // not silently the text), an integer only a plain decimal (`0755`, `0x10`,
  // `1_000` are errors, not 755 or 493), a boolean only true or false (not
  // yes/no/on/off, nor the string "true"). Each returns false (and records a
  // problem) when the value does not fit.
  bool String(const document::Node& node, const std::string& path,
              std::string* out);
  bool Int(const document::Node& node, const std::string& path, int64_t min,
           int64_t max, int64_t* out);
  bool Bool(const document::Node& node, const std::string& path, bool* out);
  // A duration is a string ("90s", "2m30s") or a plain number of seconds.
  bool Duration(const document::Node& node, const std::string& path,
                int64_t min_ms, int64_t max_ms, int64_t* out_ms);
  // An integer or a string (a percentage, validated by the rollout rules).
  void IntOrPercent(const document::Node& node, const std::string& path,
                    proto::IntOrString* out);

  // One of `table`'s names, with a did-you-mean when it is none of them.
  template <typename Enum, size_t N>
  bool EnumValue(const document::Node& node, const std::string& path,
                 const EnumName<Enum> (&table)[N], Enum* out) {
    std::string text;
    if (!String(node, path, &text)) return false;
    std::vector<absl::string_view> names;
    for (const auto& e : table) {
      if (e.name == text) {
        *out = e.value;
        return true;
      }
      names.push_back(e.name);
    }
    const std::string guess = DidYouMean(text, names);
    Error(node, path, "schema.enum",
          absl::StrCat("unknown value \"", text, "\"",
                       guess.empty()
                           ? ""
                           : absl::StrCat(" (did you mean \"", guess, "\"?)")),
          absl::StrCat("one of: ", absl::StrJoin(names, ", ")));
    return false;
  }

  // A list of strings (null: none), with each entry's location if asked.
  void StringList(const document::Node& node, const std::string& path,
                  google::protobuf::RepeatedPtrField<std::string>* out,
                  google::protobuf::RepeatedPtrField<proto::SourceLocation>*
                      locations = nullptr);
  // A mapping of string to string (null: empty).
  void StringMap(const document::Node& node, const std::string& path,
                 google::protobuf::Map<std::string, std::string>* out);

 private:
  std::string file_;
  std::string base_dir_;
  std::vector<std::string> allowed_dirs_;
  bool line_numbers_ = true;
  std::vector<diag::Diagnostic> problems_;
};

}  // namespace upgrade_core::plan::internal

#endif  // UPGRADE_CORE_PLAN_SCHEMA_READER_H_
