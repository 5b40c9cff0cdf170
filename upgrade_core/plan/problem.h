// File: problem.h
// -----------------------------------------------------------------------------
// Problems found in a plan (schema errors while loading, safety checks while
// planning), and how a list of them travels inside an absl::Status: the
// message lists every problem one per line (`file:line:col: path: message`),
// and the structured list rides along as a payload so bindings can expose it.
#ifndef UPGRADE_CORE_PLAN_PROBLEM_H_
#define UPGRADE_CORE_PLAN_PROBLEM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/proto/plan.pb.h"
#include "upgrade_core/util/diagnostics.h"

namespace upgrade_core::plan {

// Type URL of the proto::ProblemList payload on plan errors.
inline constexpr absl::string_view kProblemsPayloadUrl =
    "type.upgrade-core.dev/upgrade_core.proto.ProblemList";

// "file:line:col" (or "file", or "") for a location.
std::string FormatLocation(const proto::SourceLocation& location);

// One line: `[file:line:col: ]severity: [path: ]message.[ Hint: hint.]`
// (MessageWithHint, the sentences compat findings use too).
std::string FormatProblem(const proto::Problem& problem);

absl::string_view SeverityName(proto::Severity severity);  // "error", ...

// The problem in the shared diagnostic shape (util/diagnostics.h): views into
// `problem`, which must outlive the result.
DiagnosticView ToDiagnosticView(const proto::Problem& problem);

// The diagnostics JSON document of `problems`:
// {"version":2,"ok":..,"summary":{..},"diagnostics":[..]} (no newline) — the
// shape of compat::Report::ToJson() too.
std::string ProblemsToJson(const std::vector<proto::Problem>& problems,
                           bool ok);

// InvalidArgument listing every problem (errors first is the caller's job),
// with the list attached as payload. REQUIRES: !problems.empty().
absl::Status ProblemsToStatus(absl::string_view headline,
                              const std::vector<proto::Problem>& problems);

// The problems attached to `status` (empty when none).
std::vector<proto::Problem> ProblemsFromStatus(const absl::Status& status);

// Edit-distance suggestion: the candidate closest to `word` when close
// enough to be a plausible typo, else "". For one-off lookups in short lists
// (a schema's field names); use a Suggester for many words.
std::string DidYouMean(absl::string_view word,
                       const std::vector<absl::string_view>& candidates);

// Did-you-mean over a fixed candidate set, for many lookups (every unknown
// dependency of a large plan). Each lookup compares only candidates whose
// length is within the accepted distance, with a banded edit distance that
// stops once it cannot win, and all lookups together share a budget of
// comparison work: past it Suggest() returns "" (no suggestion) instead of
// going quadratic, so 100k unknown names against 100k ids stay well under a
// second. Case-insensitive; ties go to the earlier candidate.
class Suggester {
 public:
  // The candidates must outlive the Suggester.
  explicit Suggester(std::vector<absl::string_view> candidates,
                     uint64_t budget = kDefaultBudget);

  std::string Suggest(absl::string_view word);
  // Whether some lookup gave up because the budget was spent.
  bool exhausted() const { return exhausted_; }

  // Edit-distance cells computed over all lookups (~50 ms).
  static constexpr uint64_t kDefaultBudget = 50'000'000;

 private:
  std::vector<absl::string_view> candidates_;
  std::vector<uint32_t> by_length_;  // candidate indices sorted by length
  uint64_t budget_;
  bool exhausted_ = false;
};

}  // namespace upgrade_core::plan

#endif  // UPGRADE_CORE_PLAN_PROBLEM_H_
