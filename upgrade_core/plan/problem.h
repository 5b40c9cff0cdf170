// File: problem.h
// -----------------------------------------------------------------------------
// Problems found in a plan (schema errors while loading, safety checks while
// planning) are diag::Diagnostics (upgrade_core/diag/diagnostic.h), the type
// every layer reports. This header says how a list of them travels inside an
// absl::Status: the message lists every problem one per line
// (diag::FormatDiagnostic), and the structured list rides along as a
// proto::ProblemList payload (the wire form) so bindings can expose it. Plus
// did-you-mean suggestions.
#ifndef UPGRADE_CORE_PLAN_PROBLEM_H_
#define UPGRADE_CORE_PLAN_PROBLEM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/proto/plan.pb.h"

namespace upgrade_core::plan {

// Type URL of the proto::ProblemList payload on plan errors.
inline constexpr absl::string_view kProblemsPayloadUrl =
    "type.upgrade-core.dev/upgrade_core.proto.ProblemList";

// "file:line:col" (or "file", or "") for a location.
std::string FormatLocation(const proto::SourceLocation& location);
// The same place as a document::Location (a diagnostic's location).
document::Location ToLocation(const proto::SourceLocation& location);

// The wire form of a diagnostic (proto::Problem) and back.
proto::Problem ToProto(const diag::Diagnostic& d);
diag::Diagnostic FromProto(const proto::Problem& p);

// InvalidArgument listing every problem (errors first is the caller's job),
// with the list attached as payload. REQUIRES: !problems.empty().
absl::Status ProblemsToStatus(absl::string_view headline,
                              const std::vector<diag::Diagnostic>& problems);

// The problems attached to `status` (empty when none).
std::vector<diag::Diagnostic> ProblemsFromStatus(const absl::Status& status);

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
