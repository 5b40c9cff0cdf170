// version.*: the versions in the plan's context and components. A platform
// upgrade must not skip a Kubernetes minor or go back one, a component
// downgrade is flagged, and each component's `requires` constraints must hold
// for the target platform (and, else a warning, for the current one).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/plan/checks.h"
#include "upgrade_core/version/constraint.h"
#include "upgrade_core/version/skew.h"
#include "upgrade_core/version/version.h"

namespace upgrade_core::plan::internal {
namespace {

using diag::Severity;
using ::upgrade_core::Constraint;
using ::upgrade_core::Version;

// Platforms whose versions follow Kubernetes' minors (RKE2 and K3s ship
// Kubernetes as v1.31.5+rke2r1): their control plane moves one minor at a
// time.
bool IsKubernetesPlatform(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  return lower == "kubernetes" || lower == "k8s" || lower == "rke2" ||
         lower == "k3s";
}

// A platform upgrade that skips a minor, or goes backwards. REQUIRES: both
// versions parse.
void CheckPlatformChange(CheckContext& ctx, const std::string& name,
                         const proto::VersionChange& change) {
  const Version from = *Version::Parse(change.from());
  const Version to = *Version::Parse(change.to());
  const std::string path = absl::StrCat("context.", name);
  if (to < from) {
    const bool minor = to.major() != from.major() || to.minor() != from.minor();
    if (change.allow_downgrade() && !minor) return;
    ctx.Add(minor ? Severity::kError : Severity::kWarning,
            "version.platform-downgrade", -1, path,
            absl::StrCat(name, " goes from ", change.from(), " down to ",
                         change.to(),
                         minor ? "; Kubernetes does not support downgrading a "
                                 "minor version"
                               : ""),
            minor ? "restore the control plane from a backup instead"
                  : "if this is intended, add allowDowngrade: true");
    return;
  }
  if (!IsKubernetesPlatform(name)) return;
  // During the upgrade old and new kube-apiservers serve side by side: the
  // skew policy's HA rule (within one minor) is exactly "no skipped minor".
  const std::vector<SkewViolation> violations =
      CheckVersionSkew({{SkewComponent::kKubeApiserver, from, "old"},
                        {SkewComponent::kKubeApiserver, to, "new"}});
  if (violations.empty()) return;
  std::string next = absl::StrCat(from.major(), ".", from.minor() + 1);
  ctx.Add(Severity::kError, "version.skipped-minor", -1, path,
          absl::StrCat(name, " ", change.from(), " -> ", change.to(), " skips ",
                       to.major() == from.major()
                           ? absl::StrCat(to.minor() - from.minor() - 1,
                                          " minor version(s)")
                           : "a major version",
                       ": ", violations[0].message),
          absl::StrCat("upgrade one minor at a time: first to the newest ",
                       next, ".x, then on"));
}

// Every context platform's versions parse, and each change is a legal step.
void CheckPlatforms(CheckContext& ctx) {
  const auto& platforms = ctx.plan.context().platforms();
  // Sorted platform names keep the report order stable (proto maps are not).
  std::vector<std::string> names;
  for (const auto& [name, unused] : platforms) names.push_back(name);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const proto::VersionChange& change = platforms.at(name);
    bool valid = true;
    for (const std::string* v : {&change.from(), &change.to()}) {
      if (v->empty()) continue;
      absl::StatusOr<Version> parsed = Version::Parse(*v);
      if (!parsed.ok()) {
        valid = false;
        ctx.Add(Severity::kError, "version.invalid", -1,
                absl::StrCat("context.", name,
                             v == &change.from() ? ".from" : ".to"),
                std::string(parsed.status().message()), "");
      }
    }
    if (valid && !change.from().empty() && !change.to().empty()) {
      CheckPlatformChange(ctx, name, change);
    }
  }
}

// A component whose target version is older than its current one.
void CheckComponentDowngrade(CheckContext& ctx, int i) {
  const proto::Component& c = ctx.plan.components(i);
  const proto::VersionChange& v = c.version();
  if (v.from().empty() || v.to().empty() || v.allow_downgrade()) return;
  absl::StatusOr<Version> from = Version::Parse(v.from());
  absl::StatusOr<Version> to = Version::Parse(v.to());
  if (!from.ok() || !to.ok() || !(*to < *from)) return;
  ctx.Add(Severity::kWarning, "version.downgrade", i,
          absl::StrCat("components[", i, "].version"),
          absl::StrCat("\"", c.id(), "\" goes from ", v.from(), " down to ",
                       v.to()),
          "a downgrade may not read data the newer version wrote; if it is "
          "intended, add allowDowngrade: true to its version");
}

// Component i's `requires` constraints against the context's platforms.
void CheckRequires(CheckContext& ctx, int i) {
  const proto::Component& c = ctx.plan.components(i);
  if (c.requires().empty()) return;
  const auto& platforms = ctx.plan.context().platforms();
  // Sorted platform names keep the report order stable.
  std::vector<std::string> required;
  for (const auto& [platform, unused] : c.requires()) {
    required.push_back(platform);
  }
  std::sort(required.begin(), required.end());
  for (const std::string& platform : required) {
    const std::string& text = c.requires().at(platform);
    const std::string path =
        absl::StrCat("components[", i, "].requires.", platform);
    absl::StatusOr<Constraint> constraint = Constraint::Parse(text);
    if (!constraint.ok()) {
      ctx.Add(Severity::kError, "version.invalid-constraint", i, path,
              std::string(constraint.status().message()), "");
      continue;
    }
    auto it = platforms.find(platform);
    if (it == platforms.end() || it->second.to().empty()) {
      ctx.Add(
          Severity::kError, "version.unknown-platform", i, path,
          absl::StrCat("\"", c.id(), "\" requires ", platform, " ", text,
                       ", but the plan's context gives no ", platform,
                       " version"),
          absl::StrCat("add context: {", platform, ": {from: ..., to: ...}}"));
      continue;
    }
    absl::StatusOr<Version> to = Version::Parse(it->second.to());
    if (!to.ok()) continue;  // reported by CheckPlatforms
    if (!constraint->Allows(*to)) {
      ctx.Add(Severity::kError, "version.unsatisfied", i, path,
              absl::StrCat("\"", c.id(), "\" ", c.version().to(), " requires ",
                           platform, " ", text, ", but the upgrade targets ",
                           platform, " ", it->second.to()),
              absl::StrCat("pick a version of \"", c.id(), "\" that supports ",
                           platform, " ", it->second.to(),
                           ", or change the target platform version"));
      continue;
    }
    if (it->second.from().empty()) continue;
    absl::StatusOr<Version> from = Version::Parse(it->second.from());
    if (from.ok() && !constraint->Allows(*from)) {
      ctx.Add(Severity::kWarning, "version.before-platform", i, path,
              absl::StrCat("\"", c.id(), "\" requires ", platform, " ", text,
                           ", which ", it->second.from(),
                           " (before the platform upgrade) does not satisfy"),
              absl::StrCat("upgrade ", platform, " before this component"));
    }
  }
}

}  // namespace

void CheckVersions(CheckContext& ctx) {
  CheckPlatforms(ctx);
  for (int i = 0; i < ctx.plan.components_size(); ++i) {
    CheckComponentDowngrade(ctx, i);
  }
  for (int i = 0; i < ctx.plan.components_size(); ++i) CheckRequires(ctx, i);
}

}  // namespace upgrade_core::plan::internal
