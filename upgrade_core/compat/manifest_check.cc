// The manifest check: every pack over the whole manifest set.
#include "upgrade_core/compat/manifest_check.h"

#include <iterator>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "upgrade_core/util/status_macros.h"
#include "upgrade_core/version/version.h"

namespace upgrade_core::compat {
using diag::Report;
using document::Document;
using document::Node;

absl::StatusOr<Report> CheckManifests(absl::Span<const Document> manifests,
                                      absl::string_view kubernetes,
                                      absl::Span<const RulePack> packs,
                                      const RuleContext& context) {
  RuleContext ctx = context;
  if (!kubernetes.empty()) {
    absl::StatusOr<Version> v = Version::Parse(kubernetes);
    if (!v.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("target Kubernetes version: ", v.status().message()));
    }
    ctx["kubernetes"] = std::string(kubernetes);
  }
  std::vector<RulePack> builtin;
  if (packs.empty()) {
    for (absl::string_view name : {"kubernetes-apis", "workload-safety"}) {
      UC_ASSIGN_OR_RETURN(RulePack p, RulePack::Builtin(name));
      builtin.push_back(std::move(p));
    }
    packs = builtin;
  }
  std::vector<Node> roots;
  roots.reserve(manifests.size());
  for (const Document& d : manifests) {
    if (d.root().is_map()) roots.push_back(d.root());
  }
  Report report;
  for (const RulePack& pack : packs) {
    UC_ASSIGN_OR_RETURN(std::vector<diag::Diagnostic> found,
                        pack.EvaluateSet(roots, ctx));
    report.findings.insert(report.findings.end(),
                           std::make_move_iterator(found.begin()),
                           std::make_move_iterator(found.end()));
  }
  report.Normalize();
  return report;
}

}  // namespace upgrade_core::compat
