// Problem formatting, status payloads and did-you-mean suggestions.
#include "upgrade_core/plan/problem.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace upgrade_core::plan {

std::string FormatLocation(const proto::SourceLocation& location) {
  if (location.line() <= 0) return location.file();
  return absl::StrCat(location.file().empty() ? "<input>" : location.file(),
                      ":", location.line(), ":", location.column());
}

absl::string_view SeverityName(proto::Severity severity) {
  switch (severity) {
    case proto::WARNING:
      return "warning";
    case proto::INFO:
      return "info";
    default:
      return "error";
  }
}

std::string FormatProblem(const proto::Problem& problem) {
  std::string out;
  const std::string where = FormatLocation(problem.location());
  if (!where.empty()) absl::StrAppend(&out, where, ": ");
  absl::StrAppend(&out, SeverityName(problem.severity()), ": ");
  if (!problem.path().empty()) absl::StrAppend(&out, problem.path(), ": ");
  absl::StrAppend(&out, problem.message());
  if (!problem.hint().empty())
    absl::StrAppend(&out, " (hint: ", problem.hint(), ")");
  return out;
}

absl::Status ProblemsToStatus(absl::string_view headline,
                              const std::vector<proto::Problem>& problems) {
  std::string message(headline);
  proto::ProblemList list;
  for (const proto::Problem& p : problems) {
    absl::StrAppend(&message, "\n  ", FormatProblem(p));
    *list.add_problems() = p;
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kProblemsPayloadUrl, absl::Cord(list.SerializeAsString()));
  return status;
}

std::vector<proto::Problem> ProblemsFromStatus(const absl::Status& status) {
  std::vector<proto::Problem> problems;
  auto payload = status.GetPayload(kProblemsPayloadUrl);
  if (!payload) return problems;
  proto::ProblemList list;
  if (!list.ParseFromString(std::string(*payload))) return problems;
  problems.assign(list.problems().begin(), list.problems().end());
  return problems;
}

namespace {

// Levenshtein distance, case-insensitive (so "dependson" finds "dependsOn").
size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      const bool same =
          absl::ascii_tolower(static_cast<unsigned char>(a[i - 1])) ==
          absl::ascii_tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] =
          std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string DidYouMean(absl::string_view word,
                       const std::vector<absl::string_view>& candidates) {
  absl::string_view best;
  size_t best_distance = std::max<size_t>(2, (word.size() + 2) / 3) + 1;
  for (absl::string_view c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return std::string(best);
}

}  // namespace upgrade_core::plan
