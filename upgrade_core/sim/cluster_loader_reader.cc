// The cluster file's value readers (cluster_loader_impl.h): each records a
// located problem and returns false when the value does not fit.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/sim/cluster_loader_impl.h"
#include "upgrade_core/sim/distribution.h"

namespace upgrade_core::sim::internal {
namespace {

using document::NodeKind;

std::string Short(const YNode& node) {
  return document::TruncateForDisplay(node.text(), 40);
}

}  // namespace

absl::string_view TypeName(const YNode& node) {
  if (node.is_map()) return "a mapping";
  if (node.is_list()) return "a list";
  if (node.is_null()) return "null";
  switch (node.kind()) {
    case NodeKind::kBool:
      return "a boolean";
    case NodeKind::kInt:
      return "an integer";
    case NodeKind::kFloat:
      return "a number";
    default:
      return "a string";
  }
}

std::string Guess(absl::string_view word,
                  const std::vector<absl::string_view>& names) {
  const std::string g = plan::DidYouMean(word, names);
  return g.empty() ? "" : absl::StrCat(" (did you mean \"", g, "\"?)");
}

bool Reader::String(const YNode& node, const std::string& path,
                    std::string* out) {
  if (node.kind() != NodeKind::kString) {
    Error(node, path, "schema.type",
          absl::StrCat("expected a string, got ", TypeName(node),
                       node.is_scalar() && !node.is_null()
                           ? absl::StrCat(" (", Short(node), ")")
                           : ""),
          node.is_scalar() && !node.is_null() ? "quote it" : "");
    return false;
  }
  *out = std::string(node.text());
  if (out->empty()) {
    Error(node, path, "schema.empty", "expected a non-empty string");
    return false;
  }
  return true;
}

bool Reader::Int(const YNode& node, const std::string& path, int64_t min,
                 int64_t max, int64_t* out) {
  if (node.kind() != NodeKind::kInt) {
    Error(node, path, "schema.type",
          absl::StrCat("expected an integer, got ", TypeName(node)));
    return false;
  }
  const int64_t v = node.int_value();
  if (v < min || v > max) {
    Error(node, path, "schema.range",
          absl::StrCat(Short(node), " is out of range: must be between ", min,
                       " and ", max));
    return false;
  }
  *out = v;
  return true;
}

bool Reader::Number(const YNode& node, const std::string& path, double min,
                    double max, double* out) {
  double v = 0;
  if (node.kind() == NodeKind::kInt) {
    v = static_cast<double>(node.int_value());
  } else if (node.kind() == NodeKind::kFloat) {
    v = node.float_value();
  } else {
    Error(node, path, "schema.type",
          absl::StrCat("expected a number, got ", TypeName(node)));
    return false;
  }
  if (!std::isfinite(v) || v < min || v > max) {
    Error(node, path, "schema.range",
          absl::StrCat(Short(node), " is out of range: must be between ", min,
                       " and ", max));
    return false;
  }
  *out = v;
  return true;
}

bool Reader::Time(const YNode& node, const std::string& path, int64_t min_ms,
                  int64_t max_ms, int64_t* out_ms) {
  if (node.kind() != NodeKind::kString && node.kind() != NodeKind::kInt) {
    Error(
        node, path, "schema.type",
        absl::StrCat("expected a duration such as 90s, got ", TypeName(node)));
    return false;
  }
  absl::StatusOr<int64_t> ms = plan::ParseDurationMs(node.text());
  if (!ms.ok()) {
    Error(node, path, "schema.duration", std::string(ms.status().message()),
          "write a duration such as 90s, 2m30s, 500ms or 1h");
    return false;
  }
  if (*ms < min_ms || *ms > max_ms) {
    Error(node, path, "schema.range",
          absl::StrCat("duration \"", Short(node),
                       "\" is out of range: must be between ",
                       plan::FormatDurationMs(min_ms), " and ",
                       plan::FormatDurationMs(max_ms)));
    return false;
  }
  *out_ms = *ms;
  return true;
}

bool Reader::Distribution(const YNode& node, const std::string& path,
                          Duration* out) {
  if (!node.is_map()) {
    int64_t ms = 0;
    if (!Time(node, path, 0, kMaxTimeMs, &ms)) return false;
    *out = Duration::Fixed(ms);
    return true;
  }
  if (node.size() != 1) {
    Error(node, path, "schema.distribution",
          "expected exactly one of uniform or lognormal",
          "write {uniform: {min: 1s, max: 3s}} or {lognormal: {median: 2s, "
          "sigma: 0.5}}");
    return false;
  }
  bool ok = true;
  bool any = false;
  ForFields(
      node, path, {"uniform", "lognormal"},
      [&](const std::string& name, const YNode& v, const std::string& p) {
        any = true;
        int64_t a = 0, b = 0;
        double sigma = 0;
        bool has_a = false, has_b = false;
        const bool uniform = name == "uniform";
        const std::vector<absl::string_view> known =
            uniform ? std::vector<absl::string_view>{"min", "max"}
                    : std::vector<absl::string_view>{"median", "sigma"};
        if (!ForFields(v, p, known,
                       [&](const std::string& f, const YNode& fv,
                           const std::string& fp) {
                         if (f == "sigma") {
                           has_b = Number(fv, fp, 0, kMaxSigma, &sigma);
                           ok = ok && has_b;
                         } else if (f == "max") {
                           has_b = Time(fv, fp, 0, kMaxTimeMs, &b);
                           ok = ok && has_b;
                         } else {
                           has_a = Time(fv, fp, 0, kMaxTimeMs, &a);
                           ok = ok && has_a;
                         }
                       })) {
          ok = false;
          return;
        }
        if (!ok) return;
        if (!has_a || !has_b) {
          Error(
              v, p, "schema.missing-field",
              absl::StrCat(name, " needs both ", known[0], " and ", known[1]));
          ok = false;
          return;
        }
        if (uniform && a > b) {
          Error(v, p, "schema.range",
                absl::StrCat("min ", plan::FormatDurationMs(a),
                             " is above max ", plan::FormatDurationMs(b)));
          ok = false;
          return;
        }
        *out =
            uniform ? Duration::Uniform(a, b) : Duration::Lognormal(a, sigma);
      });
  return ok && any;
}

}  // namespace upgrade_core::sim::internal
