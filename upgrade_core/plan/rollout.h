// File: rollout.h
// -----------------------------------------------------------------------------
// Kubernetes rolling-update arithmetic: how `maxSurge` / `maxUnavailable`
// (integers or percentages) resolve to pod counts, exactly as the controllers
// do, and which values the API server's validation rejects, with its wording.
//
// The facts encoded here (kubernetes/kubernetes, pkg/controller and
// pkg/apis/apps/validation):
//  * Deployment (`deploymentutil.ResolveFenceposts`): a percentage of
//    `replicas`; surge rounds UP, unavailable rounds DOWN; if both resolve to
//    0, unavailable becomes 1 (always, "on the theory that surge might not work
//    due to quota"). Defaults (apps/v1): maxSurge 25%, maxUnavailable 25%.
//  * DaemonSet (`util.SurgeCount` / `util.UnavailableCount`): a percentage of
//    the nodes that should run the pod; BOTH round UP; if both are 0 and there
//    is at least one node, unavailable becomes 1. Defaults: maxSurge 0,
//    maxUnavailable 1.
//  * Validation (`ValidateRollingUpdateDeployment`, `...DaemonSet`): integers
//    must be >= 0, strings must match `^[0-9]+%$`; Deployment: maxUnavailable
//    may not be 0 when maxSurge is 0, maxUnavailable <= 100%; DaemonSet:
//    both <= 100%, exactly one of them non-zero.
//
//   absl::StatusOr<RolloutBudget> b = ResolveRolloutBudget(
//       10, IntOrString::Percent(25), IntOrString::Percent(25),
//       RolloutKind::kDeployment, /*validate=*/true);   // -> {3, 2}
#ifndef UPGRADE_CORE_PLAN_ROLLOUT_H_
#define UPGRADE_CORE_PLAN_ROLLOUT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/proto/plan.pb.h"

namespace upgrade_core::plan {

// A Kubernetes IntOrString value: unset, an integer, or a string (which must
// be a percentage such as "25%" to mean anything).
class IntOrString {
 public:
  IntOrString() = default;  // unset: the kind's default applies
  static IntOrString Int(int64_t value);
  static IntOrString String(absl::string_view text);
  static IntOrString Percent(int64_t percent);  // String("<percent>%")
  static IntOrString FromProto(const proto::IntOrString& p);
  proto::IntOrString ToProto() const;

  bool is_set() const { return kind_ != Kind::kUnset; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_string() const { return kind_ == Kind::kString; }
  int64_t int_value() const { return int_value_; }
  const std::string& str_value() const { return str_value_; }

  // True for strings matching Kubernetes' `^[0-9]+%$`.
  bool IsValidPercent() const;
  // As Kubernetes prints a bad value: `-1`, `"abc"`.
  std::string DebugString() const;

  friend bool operator==(const IntOrString& a, const IntOrString& b) {
    return a.kind_ == b.kind_ && a.int_value_ == b.int_value_ &&
           a.str_value_ == b.str_value_;
  }

 private:
  enum class Kind { kUnset, kInt, kString };
  Kind kind_ = Kind::kUnset;
  int64_t int_value_ = 0;
  std::string str_value_;
};

// Whose controller and validation rules apply.
enum class RolloutKind {
  kDeployment,  // counts are pods of `replicas`
  kDaemonSet,   // counts are nodes (one pod per node)
};

// "Deployment" / "DaemonSet" (case-insensitive) -> kind.
absl::StatusOr<RolloutKind> ParseRolloutKind(absl::string_view name);
absl::string_view RolloutKindName(RolloutKind kind);

// The kind's API default for an unset maxSurge / maxUnavailable.
IntOrString DefaultMaxSurge(RolloutKind kind);
IntOrString DefaultMaxUnavailable(RolloutKind kind);

// Resolved fenceposts: at most `surge` instances above the desired count and
// at most `unavailable` below it at any time during the rollout.
struct RolloutBudget {
  int64_t surge = 0;
  int64_t unavailable = 0;
  friend bool operator==(const RolloutBudget& a, const RolloutBudget& b) {
    return a.surge == b.surge && a.unavailable == b.unavailable;
  }
};

// The API server's validation of a rolling update, one message per problem
// in Kubernetes' own words and order, e.g.
// `spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0
// when `maxSurge` is 0`. Empty when valid. Unset values take the defaults.
std::vector<std::string> ValidateRollingUpdate(
    RolloutKind kind, const IntOrString& max_surge,
    const IntOrString& max_unavailable);

// Resolves both fenceposts against `replicas` (a Deployment's replicas, a
// DaemonSet's node count) with the kind's rounding and zero/zero rule.
// With `validate`, values the API server would reject give InvalidArgument
// with all of ValidateRollingUpdate's messages (joined like Kubernetes'
// aggregate errors: one as is, several as `[a, b]`). Without it, values are
// resolved as the controller would (negative and >100% pass through); a
// string that is not a percentage still fails, as it does in the controller.
// A negative `replicas` is always InvalidArgument.
absl::StatusOr<RolloutBudget> ResolveRolloutBudget(
    int64_t replicas, const IntOrString& max_surge,
    const IntOrString& max_unavailable, RolloutKind kind, bool validate = true);

}  // namespace upgrade_core::plan

#endif  // UPGRADE_CORE_PLAN_ROLLOUT_H_
