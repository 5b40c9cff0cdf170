// The UpgradePlan YAML loader: a schema walker over document::Document nodes
// that collects every problem with its source location.
#include "upgrade_core/plan/plan.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/document/file_reader.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::plan {
namespace {

using diag::Severity;

template <typename Enum>
struct EnumName {
  Enum value;
  absl::string_view name;
};

constexpr EnumName<proto::ComponentKind> kKinds[] = {
    {proto::GENERIC, "Generic"},
    {proto::JOB, "Job"},
    {proto::DEPLOYMENT, "Deployment"},
    {proto::DAEMON_SET, "DaemonSet"},
    {proto::STATEFUL_SET, "StatefulSet"},
    {proto::WEBHOOK, "Webhook"},
    {proto::CRD, "CRD"},
};
constexpr EnumName<proto::StrategyType> kStrategies[] = {
    {proto::ROLLING_UPDATE, "RollingUpdate"},
    {proto::TERMINATE_FIRST, "TerminateFirst"},
    {proto::TERMINATE_FIRST, "Recreate"},  // Kubernetes' name for it
    {proto::START_FIRST, "StartFirst"},
    {proto::ON_DELETE, "OnDelete"},
};
constexpr EnumName<proto::FailurePolicy> kFailurePolicies[] = {
    {proto::ROLLBACK_ALL, "rollback-all"},
    {proto::ROLLBACK_FAILED, "rollback-failed"},
    {proto::PAUSE, "pause"},
    {proto::CONTINUE, "continue"},
};
constexpr EnumName<proto::WebhookFailurePolicy> kWebhookPolicies[] = {
    {proto::FAIL, "Fail"},
    {proto::IGNORE, "Ignore"},
};
constexpr EnumName<proto::StepKind> kStepKinds[] = {
    {proto::PREFLIGHT, "preflight"},         {proto::BACKUP, "backup"},
    {proto::TERMINATE_OLD, "terminate-old"}, {proto::START_NEW, "start-new"},
    {proto::AWAIT_READY, "await-ready"},     {proto::VERIFY, "verify"},
    {proto::ROLLBACK, "rollback"},
};

template <typename Enum, size_t N>
absl::string_view NameOf(const EnumName<Enum> (&table)[N], Enum value) {
  for (const auto& e : table) {
    if (e.value == value) return e.name;
  }
  return "";
}

// Why a node is what it is: "mapping", "sequence", "scalar" or "null".
absl::string_view NodeTypeName(const document::Node& node) {
  switch (node.kind()) {
    case document::NodeKind::kMap:
      return "a mapping";
    case document::NodeKind::kList:
      return "a list";
    case document::NodeKind::kNull:
      return "null";
    default:
      return "a scalar";
  }
}

// A non-null scalar (compat's is_scalar() includes null).
bool IsScalar(const document::Node& node) {
  return node.is_scalar() && !node.is_null();
}

std::string Text(const document::Node& node) {
  return std::string(node.text());
}

// Text for messages, cut short: never echo a long value.
std::string Shorten(absl::string_view text) {
  if (text.size() <= 40) return std::string(text);
  size_t cut = 37;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return absl::StrCat(text.substr(0, cut), "...");
}
std::string ShortText(const document::Node& node) {
  return Shorten(node.text());
}

// `-?(0|[1-9][0-9]*)`: the only integer spelling a plan accepts.
bool IsPlainDecimal(absl::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty() || (s[0] == '0' && s.size() > 1)) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// Numeric ranges of the plan schema (docs/limits.md).
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kMinTimeoutMs = 1;  // 0 is not "default"
constexpr int64_t kMaxTimeoutMs = int64_t{8760} * 3600 * 1000;  // 365 days
constexpr int64_t kMaxBackoffMs = int64_t{24} * 3600 * 1000;    // 1 day
constexpr int64_t kMaxAttempts = 1000;
constexpr size_t kMaxIdLength = 253;  // a Kubernetes DNS subdomain name

// `path` made absolute against the current directory and normalized
// lexically ("a/./b/../c" -> "a/c"), without touching the file system.
std::string AbsolutePath(const std::string& path) {
  std::string full = path;
  if (full.empty() || full[0] != '/') {
    char cwd[4096];
    full = absl::StrCat(::getcwd(cwd, sizeof(cwd)) ? cwd : "", "/", path);
  }
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(full, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  return absl::StrCat("/", absl::StrJoin(parts, "/"));
}

// Whether `path` is `dir` or inside it (both absolute and normalized).
bool IsUnder(absl::string_view path, absl::string_view dir) {
  if (dir == "/") return true;
  return path == dir || (absl::StartsWith(path, dir) &&
                         path.size() > dir.size() && path[dir.size()] == '/');
}

// The schema walker. Each Read* reads one level of the document into the
// proto, recording problems instead of stopping at the first.
class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  std::vector<diag::Diagnostic>& problems() { return problems_; }

  proto::SourceLocation Loc(const document::Location& where) const {
    proto::SourceLocation loc;
    loc.set_file(file_);
    if (where.line > 0) {
      loc.set_line(where.line);
      loc.set_column(where.column);
    }
    return loc;
  }
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
  // yes/no/on/off, nor the string "true").
  bool String(const document::Node& node, const std::string& path,
              std::string* out) {
    if (node.kind() != document::NodeKind::kString) {
      if (IsScalar(node)) {
        Error(node, path, "schema.type",
              absl::StrCat("expected a string, got ",
                           document::NodeKindName(node.kind()), " ",
                           ShortText(node)),
              absl::StrCat("quote it (\"", ShortText(node),
                           "\") if you mean the text"));
      } else {
        Error(node, path, "schema.type",
              absl::StrCat("expected a string, got ", NodeTypeName(node)));
      }
      return false;
    }
    *out = Text(node);
    return true;
  }

  bool Int(const document::Node& node, const std::string& path, int64_t min,
           int64_t max, int64_t* out) {
    int64_t value = 0;
    // Only a plain decimal integer: "3" (quoted) is a string.
    if (node.kind() != document::NodeKind::kInt ||
        !IsPlainDecimal(node.text()) ||
        !absl::SimpleAtoi(node.text(), &value)) {
      std::string hint;
      if (node.kind() == document::NodeKind::kInt) {
        hint =
            "write a plain decimal number: leading zeros, 0x, 0o, 0b and "
            "_ are not accepted in plans (YAML 1.1 would read 0755 as "
            "octal 493)";
      }
      Error(node, path, "schema.type",
            absl::StrCat("expected a decimal integer, got ",
                         IsScalar(node)
                             ? absl::StrCat("\"", ShortText(node), "\"")
                             : std::string(NodeTypeName(node))),
            hint);
      return false;
    }
    if (value < min || value > max) {
      Error(node, path, "schema.range",
            absl::StrCat("must be between ", min, " and ", max, ", got ",
                         ShortText(node)));
      return false;
    }
    *out = value;
    return true;
  }

  bool Bool(const document::Node& node, const std::string& path, bool* out) {
    if (node.kind() == document::NodeKind::kBool) {
      const std::string v = absl::AsciiStrToLower(Text(node));
      if (v == "true") return *out = true, true;
      if (v == "false") return *out = false, true;
    }
    Error(node, path, "schema.type",
          absl::StrCat("expected true or false, got ",
                       node.kind() == document::NodeKind::kString
                           ? absl::StrCat("\"", ShortText(node), "\"")
                       : IsScalar(node) ? ShortText(node)
                                        : std::string(NodeTypeName(node))),
          node.kind() == document::NodeKind::kBool
              ? "write true or false: YAML 1.1 reads yes/no/on/off as "
                "booleans, YAML 1.2 as strings"
              : "");
    return false;
  }

  // A duration is a string ("90s", "2m30s") or a plain number of seconds.
  bool Duration(const document::Node& node, const std::string& path,
                int64_t min_ms, int64_t max_ms, int64_t* out_ms) {
    std::string text;
    if (node.kind() == document::NodeKind::kInt) {
      int64_t unused = 0;
      if (!Int(node, path, 0, std::numeric_limits<int64_t>::max(), &unused)) {
        return false;
      }
      text = Text(node);
    } else if (!String(node, path, &text)) {
      return false;
    }
    absl::StatusOr<int64_t> ms = ParseDurationMs(text);
    if (!ms.ok()) {
      Error(node, path, "schema.duration", std::string(ms.status().message()),
            "write a duration such as 90s, 2m30s, 500ms or 1h");
      return false;
    }
    if (*ms < min_ms || *ms > max_ms) {
      Error(node, path, "schema.range",
            absl::StrCat("duration \"", ShortText(node), "\" is out of range: ",
                         "must be between ", FormatDurationMs(min_ms), " and ",
                         FormatDurationMs(max_ms)));
      return false;
    }
    *out_ms = *ms;
    return true;
  }

  void IntOrPercent(const document::Node& node, const std::string& path,
                    proto::IntOrString* out) {
    if (!IsScalar(node)) {
      Error(node, path, "schema.type",
            absl::StrCat("expected an integer or a percentage such as "
                         "\"25%\", got ",
                         NodeTypeName(node)));
      return;
    }
    if (node.kind() == document::NodeKind::kInt) {
      int64_t value = 0;
      if (Int(node, path, -kInt32Max, kInt32Max, &value)) {
        out->set_int_value(value);  // the sign: the rollout rules' to judge
      }
    } else if (node.kind() == document::NodeKind::kString) {
      out->set_str_value(Text(node));  // validated by the rollout rules
    } else {
      String(node, path, nullptr);  // reports the type error
    }
  }

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

  void StringList(const document::Node& node, const std::string& path,
                  google::protobuf::RepeatedPtrField<std::string>* out,
                  google::protobuf::RepeatedPtrField<proto::SourceLocation>*
                      locations = nullptr) {
    if (node.is_null()) return;
    if (!node.is_list()) {
      Error(node, path, "schema.type",
            absl::StrCat("expected a list, got ", NodeTypeName(node)));
      return;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      std::string value;
      if (String(node.child(i), absl::StrCat(path, "[", i, "]"), &value)) {
        *out->Add() = std::move(value);
        if (locations != nullptr) *locations->Add() = Loc(node.child(i));
      }
    }
  }

  void VersionChange(const document::Node& node, const std::string& path,
                     proto::VersionChange* out) {
    ForFields(node, path, {"from", "to", "allowDowngrade"},
              [&](const std::string& key, const document::Node& v,
                  const std::string& p) {
                if (key == "allowDowngrade") {
                  bool allow = false;
                  if (Bool(v, p, &allow)) out->set_allow_downgrade(allow);
                  return;
                }
                String(v, p,
                       key == "from" ? out->mutable_from() : out->mutable_to());
              });
  }

  void Metadata(const document::Node& node, const std::string& path,
                proto::PlanMetadata* out) {
    ForFields(node, path, {"name", "description", "labels"},
              [&](const std::string& key, const document::Node& v,
                  const std::string& p) {
                if (key == "name") String(v, p, out->mutable_name());
                if (key == "description")
                  String(v, p, out->mutable_description());
                if (key == "labels") StringMap(v, p, out->mutable_labels());
              });
  }

  void StringMap(const document::Node& node, const std::string& path,
                 google::protobuf::Map<std::string, std::string>* out) {
    if (node.is_null()) return;
    if (!node.is_map()) {
      Error(node, path, "schema.type",
            absl::StrCat("expected a mapping, got ", NodeTypeName(node)));
      return;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string key(node.key(i));
      std::string value;
      if (String(node.child(i), absl::StrCat(path, ".", key), &value)) {
        (*out)[key] = value;
      }
    }
  }

  void Context(const document::Node& node, const std::string& path,
               proto::PlanContext* out) {
    if (node.is_null()) return;
    if (!node.is_map()) {
      Error(node, path, "schema.type",
            absl::StrCat("expected a mapping of platform: {from, to}, got ",
                         NodeTypeName(node)));
      return;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string platform(node.key(i));
      VersionChange(node.child(i), absl::StrCat(path, ".", platform),
                    &(*out->mutable_platforms())[platform]);
    }
  }

  void Policy(const document::Node& node, const std::string& path,
              proto::Policy* out) {
    ForFields(
        node, path,
        {"maxParallel", "onFailure", "availability", "defaultTimeout"},
        [&](const std::string& key, const document::Node& v,
            const std::string& p) {
          int64_t n = 0;
          if (key == "maxParallel" && Int(v, p, 0, kInt32Max, &n))
            out->set_max_parallel(n);
          if (key == "onFailure") {
            proto::FailurePolicy f = proto::FAILURE_POLICY_UNSPECIFIED;
            if (EnumValue(v, p, kFailurePolicies, &f)) out->set_on_failure(f);
          }
          if (key == "defaultTimeout" &&
              Duration(v, p, kMinTimeoutMs, kMaxTimeoutMs, &n)) {
            out->set_default_timeout_ms(n);
          }
          if (key == "availability") {
            if (!v.is_list()) {
              if (!v.is_null()) {
                Error(v, p, "schema.type",
                      absl::StrCat("expected a list, got ", NodeTypeName(v)));
              }
              return;
            }
            for (size_t i = 0; i < v.size(); ++i) {
              proto::AvailabilityFloor* floor = out->add_availability();
              *floor->mutable_location() = Loc(v.child(i));
              const std::string ip = absl::StrCat(p, "[", i, "]");
              bool has_service = false, has_min = false;
              ForFields(
                  v.child(i), ip, {"service", "minAvailable"},
                  [&](const std::string& k, const document::Node& fv,
                      const std::string& fp) {
                    if (k == "service") {
                      has_service = String(fv, fp, floor->mutable_service());
                    } else {
                      has_min = true;
                      IntOrPercent(fv, fp, floor->mutable_min_available());
                    }
                  });
              if (v.child(i).is_map() && !has_service) {
                Error(v.child(i), ip, "schema.required",
                      "missing required field \"service\"");
              }
              if (v.child(i).is_map() && !has_min) {
                Error(v.child(i), ip, "schema.required",
                      "missing required field \"minAvailable\"");
              }
            }
          }
        });
  }

  void Strategy(const document::Node& node, const std::string& path,
                proto::Strategy* out) {
    *out->mutable_location() = Loc(node);
    bool has_type = false;
    ForFields(node, path, {"type", "maxSurge", "maxUnavailable"},
              [&](const std::string& key, const document::Node& v,
                  const std::string& p) {
                if (key == "type") {
                  proto::StrategyType t = proto::STRATEGY_TYPE_UNSPECIFIED;
                  if (EnumValue(v, p, kStrategies, &t)) out->set_type(t);
                  has_type = true;
                } else if (key == "maxSurge") {
                  IntOrPercent(v, p, out->mutable_max_surge());
                } else {
                  IntOrPercent(v, p, out->mutable_max_unavailable());
                }
              });
    if (node.is_map() && !has_type) {
      Error(node, path, "schema.required", "missing required field \"type\"",
            "one of: RollingUpdate, TerminateFirst, StartFirst, OnDelete");
    }
    if (out->type() != proto::ROLLING_UPDATE &&
        out->type() != proto::STRATEGY_TYPE_UNSPECIFIED &&
        (out->has_max_surge() || out->has_max_unavailable())) {
      Error(node, path, "schema.strategy",
            absl::StrCat("maxSurge/maxUnavailable apply only to type "
                         "RollingUpdate, not ",
                         StrategyTypeName(out->type())));
    }
  }

  void Component(const document::Node& node, const std::string& path,
                 proto::Component* out) {
    *out->mutable_location() = Loc(node);
    std::optional<document::Node>
        replicas_node;  // copies: iterator values are temporaries
    std::optional<document::Node> nodes_node;
    bool kind_ok = true;  // a bad kind must not cascade into count errors
    bool has_id = false;  // an id of the wrong type is not also "missing"
    bool ok = ForFields(
        node, path,
        {"id", "kind", "version", "replicas", "nodes", "strategy", "exclusive",
         "dependsOn", "provides", "readiness", "verify", "retry", "config",
         "requires", "webhook", "backup"},
        [&](const std::string& key, const document::Node& v,
            const std::string& p) {
          int64_t n = 0;
          if (key == "id") {
            has_id = true;
            if (String(v, p, out->mutable_id()) &&
                out->id().size() > kMaxIdLength) {
              Error(v, p, "schema.range",
                    absl::StrCat("id \"", ShortText(v), "\" is ",
                                 out->id().size(), " characters long; at most ",
                                 kMaxIdLength, " (a Kubernetes object name)"));
            }
          } else if (key == "kind") {
            proto::ComponentKind k = proto::GENERIC;
            kind_ok = EnumValue(v, p, kKinds, &k);
            if (kind_ok) out->set_kind(k);
          } else if (key == "version") {
            VersionChange(v, p, out->mutable_version());
          } else if (key == "replicas") {
            replicas_node = v;
            if (Int(v, p, 0, kInt32Max, &n)) out->set_replicas(n);
          } else if (key == "nodes") {
            nodes_node = v;
            if (Int(v, p, 0, kInt32Max, &n)) out->set_nodes(n);
          } else if (key == "strategy") {
            Strategy(v, p, out->mutable_strategy());
          } else if (key == "exclusive") {
            StringList(v, p, out->mutable_exclusive(),
                       out->mutable_exclusive_locations());
          } else if (key == "dependsOn") {
            StringList(v, p, out->mutable_depends_on(),
                       out->mutable_depends_on_locations());
          } else if (key == "provides") {
            StringList(v, p, out->mutable_provides());
          } else if (key == "readiness") {
            ForFields(
                v, p, {"timeout", "minReadySeconds"},
                [&](const std::string& k, const document::Node& fv,
                    const std::string& fp) {
                  int64_t m = 0;
                  if (k == "timeout" &&
                      Duration(fv, fp, kMinTimeoutMs, kMaxTimeoutMs, &m)) {
                    out->mutable_readiness()->set_timeout_ms(m);
                  }
                  if (k == "minReadySeconds" && Int(fv, fp, 0, kInt32Max, &m)) {
                    out->mutable_readiness()->set_min_ready_seconds(m);
                  }
                });
          } else if (key == "verify") {
            Verify(v, p, out);
          } else if (key == "retry") {
            ForFields(
                v, p, {"attempts", "backoff"},
                [&](const std::string& k, const document::Node& fv,
                    const std::string& fp) {
                  int64_t m = 0;
                  if (k == "attempts" && Int(fv, fp, 1, kMaxAttempts, &m)) {
                    out->mutable_retry()->set_attempts(m);
                  }
                  if (k == "backoff" &&
                      Duration(fv, fp, 0, kMaxBackoffMs, &m)) {
                    out->mutable_retry()->set_backoff_ms(m);
                  }
                });
          } else if (key == "config") {
            proto::ConfigFiles* config = out->mutable_config();
            *config->mutable_location() = Loc(v);
            ForFields(v, p, {"oldDefaults", "newDefaults", "overrides"},
                      [&](const std::string& k, const document::Node& fv,
                          const std::string& fp) {
                        std::string file;
                        if (!String(fv, fp, &file)) return;
                        if (!ConfigPathAllowed(fv, fp, file)) return;
                        file = Resolve(file);
                        if (k == "oldDefaults") config->set_old_defaults(file);
                        if (k == "newDefaults") config->set_new_defaults(file);
                        if (k == "overrides") config->set_overrides(file);
                      });
          } else if (key == "requires") {
            StringMap(v, p, out->mutable_requires());
          } else if (key == "webhook") {
            proto::WebhookSpec* hook = out->mutable_webhook();
            *hook->mutable_location() = Loc(v);
            ForFields(v, p, {"failurePolicy", "servedBy"},
                      [&](const std::string& k, const document::Node& fv,
                          const std::string& fp) {
                        if (k == "servedBy")
                          String(fv, fp, hook->mutable_served_by());
                        proto::WebhookFailurePolicy f =
                            proto::WEBHOOK_FAILURE_POLICY_UNSPECIFIED;
                        if (k == "failurePolicy" &&
                            EnumValue(fv, fp, kWebhookPolicies, &f)) {
                          hook->set_failure_policy(f);
                        }
                      });
          } else if (key == "backup") {
            bool b = false;
            if (Bool(v, p, &b)) out->set_backup(b);
          }
        });
    if (!ok) return;
    if (!has_id) {
      Error(node, path, "schema.required", "missing required field \"id\"");
    }
    if (out->kind() == proto::COMPONENT_KIND_UNSPECIFIED) {
      out->set_kind(proto::GENERIC);
    }
    if (!kind_ok) return;
    if (out->kind() == proto::DAEMON_SET && replicas_node.has_value()) {
      Error(
          *replicas_node, absl::StrCat(path, ".replicas"), "schema.count",
          "a DaemonSet runs one pod per node: give \"nodes\", not \"replicas\"",
          "replace replicas: with nodes:");
    }
    if (out->kind() != proto::DAEMON_SET && nodes_node.has_value()) {
      Error(*nodes_node, absl::StrCat(path, ".nodes"), "schema.count",
            absl::StrCat("\"nodes\" is for DaemonSets; a ",
                         ComponentKindName(out->kind()), " has \"replicas\""),
            "replace nodes: with replicas:");
    }
    if (out->has_webhook() && out->kind() != proto::WEBHOOK) {
      Error(node, absl::StrCat(path, ".webhook"), "schema.webhook",
            "\"webhook\" is only valid for components of kind Webhook");
    }
  }

  void Verify(const document::Node& node, const std::string& path,
              proto::Component* out) {
    if (!node.is_list()) {
      if (!node.is_null()) {
        Error(node, path, "schema.type",
              absl::StrCat("expected a list, got ", NodeTypeName(node)));
      }
      return;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      proto::VerifyCheck* check = out->add_verify();
      const std::string p = absl::StrCat(path, "[", i, "]");
      bool has_name = false;
      ForFields(node.child(i), p, {"name", "run", "timeout"},
                [&](const std::string& k, const document::Node& fv,
                    const std::string& fp) {
                  int64_t ms = 0;
                  if (k == "name") {
                    has_name = true;
                    String(fv, fp, check->mutable_name());
                  }
                  if (k == "run") String(fv, fp, check->mutable_run());
                  if (k == "timeout" &&
                      Duration(fv, fp, kMinTimeoutMs, kMaxTimeoutMs, &ms))
                    check->set_timeout_ms(ms);
                });
      if (node.child(i).is_map() && !has_name) {
        Error(node.child(i), p, "schema.required",
              "missing required field \"name\"");
      }
    }
  }

  void Document(const document::Node& root, proto::UpgradePlan* out) {
    bool has_components = false;
    bool has_api = false, has_kind = false;
    if (!ForFields(
            root, "",
            {"apiVersion", "kind", "metadata", "context", "policy",
             "components"},
            [&](const std::string& key, const document::Node& v,
                const std::string& p) {
              if (key == "apiVersion") {
                has_api = true;
                if (String(v, p, out->mutable_api_version()) &&
                    out->api_version() != kPlanApiVersion) {
                  Error(v, p, "schema.api-version",
                        absl::StrCat("unsupported apiVersion \"",
                                     out->api_version(), "\""),
                        absl::StrCat("use apiVersion: ", kPlanApiVersion));
                }
              } else if (key == "kind") {
                has_kind = true;
                if (String(v, p, out->mutable_kind()) &&
                    out->kind() != kPlanKind) {
                  Error(v, p, "schema.kind",
                        absl::StrCat("kind must be ", kPlanKind, ", got \"",
                                     out->kind(), "\""));
                }
              } else if (key == "metadata") {
                Metadata(v, p, out->mutable_metadata());
              } else if (key == "context") {
                Context(v, p, out->mutable_context());
              } else if (key == "policy") {
                Policy(v, p, out->mutable_policy());
              } else {
                has_components = true;
                if (!v.is_list() && !v.is_null()) {
                  Error(v, p, "schema.type",
                        absl::StrCat("expected a list, got ", NodeTypeName(v)));
                  return;
                }
                for (size_t i = 0; i < v.size(); ++i) {
                  Component(v.child(i), absl::StrCat("components[", i, "]"),
                            out->add_components());
                }
              }
            })) {
      if (root.is_null()) {
        Error(root, "", "schema.empty", "the plan is empty");
      }
      return;
    }
    if (!has_api) {
      Error(root, "", "schema.required",
            "missing required field \"apiVersion\"",
            absl::StrCat("add apiVersion: ", kPlanApiVersion));
    }
    if (!has_kind) {
      Error(root, "", "schema.required", "missing required field \"kind\"",
            absl::StrCat("add kind: ", kPlanKind));
    }
    if (!has_components || out->components_size() == 0) {
      Error(root, "components", "schema.required",
            "a plan needs at least one component");
    }
  }

  std::string Resolve(const std::string& file) const {
    if (base_dir_.empty() || file.empty() || file[0] == '/') return file;
    return absl::StrCat(base_dir_, "/", file);
  }
  void set_base_dir(std::string dir) { base_dir_ = std::move(dir); }
  void set_allowed_dirs(std::vector<std::string> dirs) {
    allowed_dirs_ = std::move(dirs);
  }

  // Config files stay inside the plan's directory unless allowed. The check
  // is on the path as written, normalized ("a/../../b" leaves): symlinks are
  // the plan author's own choice and are followed (Bazel runfiles, mounted
  // ConfigMaps and stow-style trees are symlink farms).
  bool ConfigPathAllowed(const document::Node& node, const std::string& path,
                         const std::string& file) {
    const std::string resolved = AbsolutePath(Resolve(file));
    bool ok =
        file[0] != '/' &&
        IsUnder(resolved, AbsolutePath(base_dir_.empty() ? "." : base_dir_));
    for (const std::string& dir : allowed_dirs_) {
      ok = ok || IsUnder(resolved, AbsolutePath(dir));
    }
    if (ok) return true;
    Error(node, path, "config.outside-plan-dir",
          absl::StrCat("config file ", document::NodeToDisplay(node, 120),
                       file[0] == '/' ? " is an absolute path"
                                      : " leaves the plan's directory",
                       "; config files are read only from the plan's "
                       "directory unless allowed explicitly"),
          "move the file next to the plan, or allow its directory "
          "(upgradectl --allow-outside DIR; LoadOptions.allowed_dirs)");
    return false;
  }

 private:
  std::string file_;
  std::string base_dir_;
  std::vector<std::string> allowed_dirs_;
  std::vector<diag::Diagnostic> problems_;
};

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
    p.message = absl::StrCat(
        "duplicate component id \"", c.id(), "\" (first defined at ",
        FormatLocation(plan.components(it->second).location()).empty()
            ? absl::StrCat("components[", it->second, "]")
            : FormatLocation(plan.components(it->second).location()),
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
  Loader loader(source);
  loader.set_base_dir(options.base_dir);
  loader.set_allowed_dirs(options.allowed_dirs);
  proto::UpgradePlan plan;
  plan.set_source(source);
  plan.set_base_dir(options.base_dir);
  loader.Document(doc->root(), &plan);
  CheckStructure(plan, loader.problems());
  if (!loader.problems().empty()) {
    return ProblemsToStatus(
        absl::StrCat("invalid plan ", source, " (", loader.problems().size(),
                     " problem", loader.problems().size() == 1 ? "" : "s",
                     "):"),
        loader.problems());
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
  return NameOf(kKinds, kind);
}
absl::string_view StrategyTypeName(proto::StrategyType type) {
  if (type == proto::STRATEGY_TYPE_UNSPECIFIED) return "default";
  return NameOf(kStrategies, type);
}
absl::string_view FailurePolicyName(proto::FailurePolicy policy) {
  if (policy == proto::FAILURE_POLICY_UNSPECIFIED) return "rollback-all";
  return NameOf(kFailurePolicies, policy);
}
absl::string_view StepKindName(proto::StepKind kind) {
  return NameOf(kStepKinds, kind);
}

absl::StatusOr<int64_t> ParseDurationMs(absl::string_view text) {
  const std::string original = Shorten(text);
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
