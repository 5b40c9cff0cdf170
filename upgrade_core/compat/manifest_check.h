// File: manifest_check.h
// -----------------------------------------------------------------------------
// The manifest check: Kubernetes manifests (multi-document YAML streams)
// checked against a target Kubernetes version with rule packs — by default
// the built-in `kubernetes-apis` (every API removal in the official
// deprecation guide) and `workload-safety` packs.
//
//   absl::StatusOr<std::vector<Document>> docs =
//       Document::StreamFromFile("rendered.yaml");
//   absl::StatusOr<Report> r = CheckManifests(*docs, "1.32.0");
#ifndef UPGRADE_CORE_COMPAT_MANIFEST_CHECK_H_
#define UPGRADE_CORE_COMPAT_MANIFEST_CHECK_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "upgrade_core/compat/rules.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::compat {

// `kubernetes`: the target version ("1.32.0", "v1.31.5+rke2r1"); empty means
// unknown (removed APIs are then reported as warnings). `packs` empty means
// the built-in kubernetes-apis and workload-safety packs. `context` adds
// values for rules; `kubernetes` overrides its "kubernetes" entry.
// InvalidArgument if the version does not parse.
absl::StatusOr<diag::Report> CheckManifests(
    absl::Span<const document::Document> manifests,
    absl::string_view kubernetes, absl::Span<const RulePack> packs = {},
    const RuleContext& context = {});

}  // namespace upgrade_core::compat

#endif  // UPGRADE_CORE_COMPAT_MANIFEST_CHECK_H_
