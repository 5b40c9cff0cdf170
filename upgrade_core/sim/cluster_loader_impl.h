// File: cluster_loader_impl.h (internal to //upgrade_core/sim:cluster_loader)
// -----------------------------------------------------------------------------
// The cluster file's value readers, shared by the loader's source files:
// cluster_loader_reader.cc (Reader: mappings, strings, integers, numbers,
// durations and duration distributions, each with located problems) and
// cluster_loader.cc (the cluster schema: nodes, timing, durations, faults,
// and ClusterFromYaml / LoadCluster).
#ifndef UPGRADE_CORE_SIM_CLUSTER_LOADER_IMPL_H_
#define UPGRADE_CORE_SIM_CLUSTER_LOADER_IMPL_H_

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/sim/distribution.h"

namespace upgrade_core::sim::internal {

using YNode = document::Node;

// Bounds of the cluster schema.
constexpr int64_t kMaxNodes = 10000;
constexpr int64_t kMaxTimeMs = int64_t{8760} * 3600 * 1000;  // 365 days
constexpr int64_t kMaxAttempts = 1000;
constexpr double kMaxSigma = 10.0;
constexpr double kMaxRequestsPerSecond = 1e6;

// What `node` is, for messages: "a mapping", "an integer", ...
absl::string_view TypeName(const YNode& node);

// " (did you mean \"<name>\"?)" when a name in `names` is a plausible typo
// of `word` (plan::DidYouMean), else "".
std::string Guess(absl::string_view word,
                  const std::vector<absl::string_view>& names);

// The schema walk's value readers: each records a located problem and
// returns false when the value does not fit, so one load reports them all.
class Reader {
 public:
  std::vector<diag::Diagnostic>& problems() { return problems_; }

  void Error(const document::Location& at, const std::string& path,
             const std::string& code, std::string message,
             std::string hint = "") {
    diag::Diagnostic& p = problems_.emplace_back();
    p.code = code;
    p.path = path;
    p.message = std::move(message);
    p.hint = std::move(hint);
    p.location = at;
  }
  void Error(const YNode& at, const std::string& path, const std::string& code,
             std::string message, std::string hint = "") {
    Error(at.location(), path, code, std::move(message), std::move(hint));
  }

  // Calls field(name, value, path) for each known key of mapping `node`;
  // unknown keys get a did-you-mean, duplicates an error.
  template <typename Fn>
  bool ForFields(const YNode& node, const std::string& path,
                 const std::vector<absl::string_view>& known, Fn field) {
    if (!node.is_map()) {
      Error(node, path, "schema.type",
            absl::StrCat("expected a mapping, got ", TypeName(node)));
      return false;
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string name(node.key(i));
      const std::string child =
          path.empty() ? name : absl::StrCat(path, ".", name);
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        Error(node.key_location(i), child, "schema.unknown-field",
              absl::StrCat("unknown field \"", name, "\"", Guess(name, known)),
              absl::StrCat("known fields here: ", absl::StrJoin(known, ", ")));
        continue;
      }
      if (!seen.insert(name).second) {
        Error(node.key_location(i), child, "schema.duplicate-field",
              absl::StrCat("field \"", name, "\" is given twice"));
        continue;
      }
      field(name, node.child(i), child);
    }
    return true;
  }

  bool String(const YNode& node, const std::string& path, std::string* out);

  // A plain decimal integer in [min, max].
  bool Int(const YNode& node, const std::string& path, int64_t min, int64_t max,
           int64_t* out);

  // An integer or a decimal number in [min, max].
  bool Number(const YNode& node, const std::string& path, double min,
              double max, double* out);

  // "90s", "2m30s", "500ms" or a plain number of seconds.
  bool Time(const YNode& node, const std::string& path, int64_t min_ms,
            int64_t max_ms, int64_t* out_ms);

  // A duration distribution: a duration (fixed), or exactly one of
  // {uniform: {min, max}} / {lognormal: {median, sigma}}.
  bool Distribution(const YNode& node, const std::string& path, Duration* out);

 private:
  std::vector<diag::Diagnostic> problems_;
};

}  // namespace upgrade_core::sim::internal

#endif  // UPGRADE_CORE_SIM_CLUSTER_LOADER_IMPL_H_
