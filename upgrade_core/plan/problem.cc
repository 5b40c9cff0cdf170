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

document::Location ToLocation(const proto::SourceLocation& location) {
  document::Location out;
  out.source = location.file();
  out.line = location.line();
  out.column = location.column();
  return out;
}

proto::Problem ToProto(const diag::Diagnostic& d) {
  proto::Problem p;
  switch (d.severity) {
    case diag::Severity::kError:
      p.set_severity(proto::ERROR);
      break;
    case diag::Severity::kWarning:
      p.set_severity(proto::WARNING);
      break;
    case diag::Severity::kInfo:
      p.set_severity(proto::INFO);
      break;
  }
  p.set_code(d.code);
  p.set_path(d.path);
  p.set_component(d.component);
  p.set_message(d.message);
  p.set_hint(d.hint);
  p.mutable_location()->set_file(d.location.source);
  if (d.location.line > 0) {
    p.mutable_location()->set_line(d.location.line);
    p.mutable_location()->set_column(d.location.column);
  }
  return p;
}

diag::Diagnostic FromProto(const proto::Problem& p) {
  diag::Diagnostic d;
  d.severity = p.severity() == proto::WARNING ? diag::Severity::kWarning
               : p.severity() == proto::INFO  ? diag::Severity::kInfo
                                              : diag::Severity::kError;
  d.code = p.code();
  d.path = p.path();
  d.component = p.component();
  d.message = p.message();
  d.hint = p.hint();
  d.location = ToLocation(p.location());
  return d;
}

absl::Status ProblemsToStatus(absl::string_view headline,
                              const std::vector<diag::Diagnostic>& problems) {
  std::string message(headline);
  proto::ProblemList list;
  for (const diag::Diagnostic& p : problems) {
    absl::StrAppend(&message, "\n  ", diag::FormatDiagnostic(p));
    *list.add_problems() = ToProto(p);
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kProblemsPayloadUrl, absl::Cord(list.SerializeAsString()));
  return status;
}

std::vector<diag::Diagnostic> ProblemsFromStatus(const absl::Status& status) {
  std::vector<diag::Diagnostic> problems;
  auto payload = status.GetPayload(kProblemsPayloadUrl);
  if (!payload) return problems;
  proto::ProblemList list;
  if (!list.ParseFromString(std::string(*payload))) return problems;
  for (const proto::Problem& p : list.problems()) {
    problems.push_back(FromProto(p));
  }
  return problems;
}

namespace {

// Levenshtein distance, case-insensitive (so "dependson" finds "dependsOn"),
// computed only in the band |i - j| <= limit; returns limit + 1 as soon as
// the distance must exceed `limit`. Adds the cells computed to *cells.
size_t BoundedEditDistance(absl::string_view a, absl::string_view b,
                           size_t limit, uint64_t* cells) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > limit) return limit + 1;
  const size_t kInf = limit + 1;
  std::vector<size_t> row(b.size() + 1, kInf);
  for (size_t j = 0; j <= std::min(b.size(), limit); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    const size_t lo = i > limit ? i - limit : 1;
    const size_t hi = std::min(b.size(), i + limit);
    size_t diagonal = row[lo - 1];
    row[lo - 1] = lo == 1 && i <= limit ? i : kInf;
    size_t best = row[lo - 1];
    for (size_t j = lo; j <= hi; ++j) {
      const size_t up = row[j];
      const bool same =
          absl::ascii_tolower(static_cast<unsigned char>(a[i - 1])) ==
          absl::ascii_tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] =
          std::min({kInf, up + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = up;
      best = std::min(best, row[j]);
    }
    if (hi < b.size()) row[hi + 1] = kInf;
    *cells += hi - lo + 1;
    if (best > limit) return kInf;
  }
  return std::min(row[b.size()], kInf);
}

// A typo is plausible within about a third of the word's length.
size_t MaxTypoDistance(absl::string_view word) {
  return std::max<size_t>(2, (word.size() + 2) / 3);
}

}  // namespace

Suggester::Suggester(std::vector<absl::string_view> candidates, uint64_t budget)
    : candidates_(std::move(candidates)), budget_(budget) {
  by_length_.resize(candidates_.size());
  for (uint32_t i = 0; i < by_length_.size(); ++i) by_length_[i] = i;
  std::stable_sort(by_length_.begin(), by_length_.end(),
                   [&](uint32_t x, uint32_t y) {
                     return candidates_[x].size() < candidates_[y].size();
                   });
}

std::string Suggester::Suggest(absl::string_view word) {
  const size_t limit = MaxTypoDistance(word);
  const size_t min_length = word.size() > limit ? word.size() - limit : 0;
  auto first = std::lower_bound(by_length_.begin(), by_length_.end(),
                                min_length, [&](uint32_t i, size_t length) {
                                  return candidates_[i].size() < length;
                                });
  size_t best_distance = limit + 1;
  uint32_t best = 0;
  for (auto it = first; it != by_length_.end(); ++it) {
    const absl::string_view c = candidates_[*it];
    if (c.size() > word.size() + limit) break;
    if (budget_ == 0) {
      exhausted_ = true;
      return "";
    }
    // Only a strictly better distance (or an equal one from an earlier
    // candidate) can change the answer.
    uint64_t cells = 0;
    const size_t d = BoundedEditDistance(word, c, best_distance, &cells);
    budget_ -= std::min(budget_, cells + 1);
    if (d < best_distance || (d == best_distance && d <= limit && *it < best)) {
      best_distance = d;
      best = *it;
    }
  }
  if (best_distance > limit) return "";
  return std::string(candidates_[best]);
}

std::string DidYouMean(absl::string_view word,
                       const std::vector<absl::string_view>& candidates) {
  return Suggester(candidates).Suggest(word);
}

}  // namespace upgrade_core::plan
