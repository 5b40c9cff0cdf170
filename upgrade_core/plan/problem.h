// File: problem.h
// -----------------------------------------------------------------------------
// Problems found in a plan (schema errors while loading, safety checks while
// planning), and how a list of them travels inside an absl::Status: the
// message lists every problem one per line (`file:line:col: path: message`),
// and the structured list rides along as a payload so bindings can expose it.
#ifndef UPGRADE_CORE_PLAN_PROBLEM_H_
#define UPGRADE_CORE_PLAN_PROBLEM_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/proto/plan.pb.h"

namespace upgrade_core::plan {

// Type URL of the proto::ProblemList payload on plan errors.
inline constexpr absl::string_view kProblemsPayloadUrl =
    "type.upgrade-core.dev/upgrade_core.proto.ProblemList";

// "file:line:col" (or "file", or "") for a location.
std::string FormatLocation(const proto::SourceLocation& location);

// One line: `[file:line:col: ]path: message[ (hint: ...)]`.
std::string FormatProblem(const proto::Problem& problem);

absl::string_view SeverityName(proto::Severity severity);  // "error", ...

// InvalidArgument listing every problem (errors first is the caller's job),
// with the list attached as payload. REQUIRES: !problems.empty().
absl::Status ProblemsToStatus(absl::string_view headline,
                              const std::vector<proto::Problem>& problems);

// The problems attached to `status` (empty when none).
std::vector<proto::Problem> ProblemsFromStatus(const absl::Status& status);

// Edit-distance suggestion: the candidate closest to `word` when close
// enough to be a plausible typo, else "".
std::string DidYouMean(absl::string_view word,
                       const std::vector<absl::string_view>& candidates);

}  // namespace upgrade_core::plan

#endif  // UPGRADE_CORE_PLAN_PROBLEM_H_
