// File: plan.h
// -----------------------------------------------------------------------------
// `Plan`: a user's UpgradePlan (YAML `apiVersion: upgrade-core/v1`,
// `kind: UpgradePlan`, see docs/plan-reference.md), loaded and checked
// against the schema. Loading collects every schema problem — unknown fields
// (with a did-you-mean), wrong types, bad enum values, duplicate ids — each
// with file:line:column, and fails with all of them at once (see problem.h).
// Semantic checks (dependencies, strategies vs exclusive resources,
// availability, versions, webhooks, chart values) are the Planner's
// (planner.h); a loaded Plan is well-formed, not necessarily safe.
//
//   absl::StatusOr<Plan> plan = Plan::FromFile("examples/plan.yaml");
//   if (!plan.ok()) { std::cerr << plan.status().message(); return 2; }
//   for (const proto::Component& c : plan->components()) ...
//
// A Plan is a small value (one protobuf message); copy or move it freely.
#ifndef UPGRADE_CORE_PLAN_PLAN_H_
#define UPGRADE_CORE_PLAN_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/proto/plan.pb.h"

namespace upgrade_core::plan {

inline constexpr absl::string_view kPlanApiVersion = "upgrade-core/v1";
inline constexpr absl::string_view kPlanKind = "UpgradePlan";

struct LoadOptions {
  // Name used in error locations (e.g. the file path). Default "<input>".
  std::string source_name;
  // Directory that relative file references (config values files) resolve
  // against. Default: the current directory (references kept as written).
  std::string base_dir;
  // Config values files must stay inside base_dir (the plan's directory): a
  // relative path that leaves it (`../../secret.yaml`, or a symlink pointing
  // out) or an absolute path is a located error unless it lies under one of
  // these directories (`upgradectl --allow-outside DIR`).
  std::vector<std::string> allowed_dirs;
  // False for data without source lines (a document built from Python
  // dicts): problems are located by source_name and their path only.
  bool line_numbers = true;
};

class Plan {
 public:
  // Parses and schema-checks a YAML plan. InvalidArgument (with every problem
  // in the message and as a proto::ProblemList payload) on bad input.
  static absl::StatusOr<Plan> FromYaml(absl::string_view text,
                                       const LoadOptions& options = {});
  // The same schema walk over an already parsed document (e.g. JSON built
  // from Python data by Plan.from_dict), so no form can drift from the YAML
  // one. Errors as FromYaml's.
  static absl::StatusOr<Plan> FromDocument(const document::Document& doc,
                                           const LoadOptions& options = {});
  // Reads `path` through the bounded reader ("-" is standard input);
  // relative references resolve against its directory. `options` may allow
  // directories outside it; its source_name and base_dir are set from `path`
  // when empty.
  static absl::StatusOr<Plan> FromFile(absl::string_view path,
                                       LoadOptions options = {});
  // Wraps an already-built model (C++ callers, benchmarks). Runs the same
  // structural checks as FromYaml (required ids, duplicates, kinds).
  static absl::StatusOr<Plan> FromProto(proto::UpgradePlan plan);

  const proto::UpgradePlan& proto() const { return proto_; }
  const std::string& name() const { return proto_.metadata().name(); }
  const google::protobuf::RepeatedPtrField<proto::Component>& components()
      const {
    return proto_.components();
  }

 private:
  explicit Plan(proto::UpgradePlan p) : proto_(std::move(p)) {}
  proto::UpgradePlan proto_;
};

// Names as written in YAML (and back): "DaemonSet", "RollingUpdate",
// "rollback-all", "Fail", ...
absl::string_view ComponentKindName(proto::ComponentKind kind);
absl::string_view StrategyTypeName(proto::StrategyType type);
absl::string_view FailurePolicyName(proto::FailurePolicy policy);
absl::string_view StepKindName(proto::StepKind kind);  // "start-new", ...

// Go-style duration ("90s", "2m30s", "500ms", "1h") or plain seconds -> ms.
absl::StatusOr<int64_t> ParseDurationMs(absl::string_view text);
std::string FormatDurationMs(int64_t ms);  // 120000 -> "2m", 5500 -> "5.5s"

}  // namespace upgrade_core::plan

#endif  // UPGRADE_CORE_PLAN_PLAN_H_
