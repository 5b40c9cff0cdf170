// Kubernetes rolling-update arithmetic; see rollout.h for the sources.
#include "upgrade_core/plan/rollout.h"

#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::plan {
namespace {

constexpr char kPercentMessage[] =
    "a valid percent string must be a numeric string followed by an ending "
    "'%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

// Go's strconv.Atoi: optional sign, then decimal digits only.
std::optional<int64_t> GoAtoi(absl::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
    if (s.empty()) return std::nullopt;
  }
  int64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    if (value > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

// Validation's getIntOrPercentValue: the percentage of a valid percent
// string, else IntValue() (Atoi of the whole string, 0 when that fails).
int64_t IntOrPercentValue(const IntOrString& v) {
  if (v.is_int()) return v.int_value();
  if (v.IsValidPercent()) {
    return GoAtoi(absl::string_view(v.str_value())
                      .substr(0, v.str_value().size() - 1))
        .value_or(0);
  }
  return GoAtoi(v.str_value()).value_or(0);
}

// ValidatePositiveIntOrPercent.
void ValidatePositive(const IntOrString& v, const std::string& path,
                      std::vector<std::string>& errors) {
  if (v.is_string()) {
    if (!v.IsValidPercent()) {
      errors.push_back(absl::StrCat(path, ": Invalid value: ", v.DebugString(),
                                    ": ", kPercentMessage));
    }
  } else if (v.int_value() < 0) {
    errors.push_back(absl::StrCat(path, ": Invalid value: ", v.DebugString(),
                                  ": must be greater than or equal to 0"));
  }
}

// IsNotMoreThan100Percent.
void ValidateAtMost100(const IntOrString& v, const std::string& path,
                       std::vector<std::string>& errors) {
  if (!v.IsValidPercent() || IntOrPercentValue(v) <= 100) return;
  errors.push_back(absl::StrCat(path, ": Invalid value: ", v.DebugString(),
                                ": must not be greater than 100%"));
}

// intstr.GetScaledValueFromIntOrPercent, with Go's float rounding.
absl::StatusOr<int64_t> Scaled(const IntOrString& v, int64_t total,
                               bool round_up, absl::string_view field) {
  if (v.is_int()) return v.int_value();
  absl::string_view s = v.str_value();
  if (s.empty() || s.back() != '%') {
    return absl::InvalidArgumentError(absl::StrCat(
        field,
        ": invalid value for IntOrString: invalid type: string is not a "
        "percentage (",
        v.DebugString(), ")"));
  }
  s.remove_suffix(1);
  std::optional<int64_t> percent = GoAtoi(s);
  if (!percent) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": invalid value for IntOrString: invalid value ",
                     v.DebugString(), ": strconv.Atoi: parsing \"",
                     absl::CEscape(s), "\": invalid syntax"));
  }
  const double scaled =
      static_cast<double>(*percent) * static_cast<double>(total) / 100;
  return static_cast<int64_t>(round_up ? std::ceil(scaled)
                                       : std::floor(scaled));
}

std::string FieldPath(RolloutKind kind, absl::string_view field) {
  return absl::StrCat(kind == RolloutKind::kDeployment
                          ? "spec.strategy.rollingUpdate."
                          : "spec.updateStrategy.rollingUpdate.",
                      field);
}

}  // namespace

IntOrString IntOrString::Int(int64_t value) {
  IntOrString v;
  v.kind_ = Kind::kInt;
  v.int_value_ = value;
  return v;
}

IntOrString IntOrString::String(absl::string_view text) {
  IntOrString v;
  v.kind_ = Kind::kString;
  v.str_value_ = std::string(text);
  return v;
}

IntOrString IntOrString::Percent(int64_t percent) {
  return String(absl::StrCat(percent, "%"));
}

IntOrString IntOrString::FromProto(const proto::IntOrString& p) {
  switch (p.value_case()) {
    case proto::IntOrString::kIntValue:
      return Int(p.int_value());
    case proto::IntOrString::kStrValue:
      return String(p.str_value());
    case proto::IntOrString::VALUE_NOT_SET:
      break;
  }
  return IntOrString();
}

proto::IntOrString IntOrString::ToProto() const {
  proto::IntOrString p;
  if (is_int()) p.set_int_value(int_value_);
  if (is_string()) p.set_str_value(str_value_);
  return p;
}

bool IntOrString::IsValidPercent() const {
  if (!is_string() || str_value_.size() < 2 || str_value_.back() != '%') {
    return false;
  }
  for (size_t i = 0; i + 1 < str_value_.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(str_value_[i]))) {
      return false;
    }
  }
  return true;
}

std::string IntOrString::DebugString() const {
  if (is_int()) return absl::StrCat(int_value_);
  if (is_string()) return absl::StrCat("\"", absl::CEscape(str_value_), "\"");
  return "null";
}

absl::StatusOr<RolloutKind> ParseRolloutKind(absl::string_view name) {
  if (absl::EqualsIgnoreCase(name, "Deployment")) {
    return RolloutKind::kDeployment;
  }
  if (absl::EqualsIgnoreCase(name, "DaemonSet")) {
    return RolloutKind::kDaemonSet;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown rollout kind \"", absl::CEscape(name),
                   "\": expected Deployment or DaemonSet"));
}

absl::string_view RolloutKindName(RolloutKind kind) {
  return kind == RolloutKind::kDeployment ? "Deployment" : "DaemonSet";
}

IntOrString DefaultMaxSurge(RolloutKind kind) {
  return kind == RolloutKind::kDeployment ? IntOrString::Percent(25)
                                          : IntOrString::Int(0);
}

IntOrString DefaultMaxUnavailable(RolloutKind kind) {
  return kind == RolloutKind::kDeployment ? IntOrString::Percent(25)
                                          : IntOrString::Int(1);
}

std::vector<std::string> ValidateRollingUpdate(
    RolloutKind kind, const IntOrString& max_surge_in,
    const IntOrString& max_unavailable_in) {
  const IntOrString surge =
      max_surge_in.is_set() ? max_surge_in : DefaultMaxSurge(kind);
  const IntOrString unavailable = max_unavailable_in.is_set()
                                      ? max_unavailable_in
                                      : DefaultMaxUnavailable(kind);
  const std::string surge_path = FieldPath(kind, "maxSurge");
  const std::string unavailable_path = FieldPath(kind, "maxUnavailable");
  std::vector<std::string> errors;
  ValidatePositive(unavailable, unavailable_path, errors);
  ValidatePositive(surge, surge_path, errors);
  const bool has_unavailable = IntOrPercentValue(unavailable) != 0;
  const bool has_surge = IntOrPercentValue(surge) != 0;
  if (kind == RolloutKind::kDeployment) {
    if (!has_unavailable && !has_surge) {
      errors.push_back(absl::StrCat(
          unavailable_path, ": Invalid value: ", unavailable.DebugString(),
          ": may not be 0 when `maxSurge` is 0"));
    }
    ValidateAtMost100(unavailable, unavailable_path, errors);
  } else {
    ValidateAtMost100(unavailable, unavailable_path, errors);
    ValidateAtMost100(surge, surge_path, errors);
    if (has_unavailable && has_surge) {
      errors.push_back(
          absl::StrCat(surge_path, ": Invalid value: ", surge.DebugString(),
                       ": may not be set when maxUnavailable is non-zero"));
    } else if (!has_unavailable && !has_surge) {
      errors.push_back(
          absl::StrCat(unavailable_path,
                       ": Required value: cannot be 0 when maxSurge is 0"));
    }
  }
  return errors;
}

absl::StatusOr<RolloutBudget> ResolveRolloutBudget(
    int64_t replicas, const IntOrString& max_surge_in,
    const IntOrString& max_unavailable_in, RolloutKind kind, bool validate) {
  if (replicas < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        kind == RolloutKind::kDeployment ? "spec.replicas" : "nodes",
        ": Invalid value: ", replicas, ": must be greater than or equal to 0"));
  }
  // Kubernetes stores replicas and IntOrString integers as int32; past that
  // the arithmetic below would overflow (issue 9, defect 5).
  constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
  if (replicas > kInt32Max) {
    return absl::InvalidArgumentError(absl::StrCat(
        kind == RolloutKind::kDeployment ? "spec.replicas" : "nodes",
        ": Invalid value: ", replicas, ": must be at most ", kInt32Max,
        " (int32)"));
  }
  for (const auto& [value, field] :
       {std::make_pair(&max_surge_in, "maxSurge"),
        std::make_pair(&max_unavailable_in, "maxUnavailable")}) {
    const int64_t n = value->is_set() ? IntOrPercentValue(*value) : 0;
    if (n > kInt32Max || n < -kInt32Max) {
      return absl::InvalidArgumentError(absl::StrCat(
          FieldPath(kind, field), ": Invalid value: ", value->DebugString(),
          ": out of range (int32)"));
    }
    if (value->is_string() && value->IsValidPercent() &&
        !GoAtoi(absl::string_view(value->str_value())
                    .substr(0, value->str_value().size() - 1))) {
      return absl::InvalidArgumentError(absl::StrCat(
          FieldPath(kind, field), ": Invalid value: ", value->DebugString(),
          ": out of range"));
    }
  }
  if (validate) {
    std::vector<std::string> errors =
        ValidateRollingUpdate(kind, max_surge_in, max_unavailable_in);
    if (errors.size() == 1) return absl::InvalidArgumentError(errors[0]);
    if (!errors.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("[", absl::StrJoin(errors, ", "), "]"));
    }
  }
  const IntOrString surge_value =
      max_surge_in.is_set() ? max_surge_in : DefaultMaxSurge(kind);
  const IntOrString unavailable_value = max_unavailable_in.is_set()
                                            ? max_unavailable_in
                                            : DefaultMaxUnavailable(kind);
  const bool daemon_set = kind == RolloutKind::kDaemonSet;
  RolloutBudget budget;
  // Deployment: surge rounds up, unavailable down (ResolveFenceposts);
  // DaemonSet: both up (SurgeCount / UnavailableCount).
  UC_ASSIGN_OR_RETURN(budget.surge, Scaled(surge_value, replicas,
                                           /*round_up=*/true, "maxSurge"));
  UC_ASSIGN_OR_RETURN(budget.unavailable,
                      Scaled(unavailable_value, replicas,
                             /*round_up=*/daemon_set, "maxUnavailable"));
  if (budget.surge == 0 && budget.unavailable == 0 &&
      (!daemon_set || replicas > 0)) {
    budget.unavailable = 1;
  }
  return budget;
}

}  // namespace upgrade_core::plan
