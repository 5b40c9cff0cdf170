// VersionConstraint and CompareVersions over upgrade_core/version.
#include "upgrade_core/compat/version_eval.h"

#include "absl/strings/str_cat.h"
#include "upgrade_core/util/status_macros.h"
#include "upgrade_core/version/constraint.h"
#include "upgrade_core/version/skew.h"
#include "upgrade_core/version/version.h"

namespace upgrade_core::compat::internal {
namespace {

class ParsedConstraint : public VersionConstraint {
 public:
  ParsedConstraint(Constraint c, std::string text)
      : constraint_(std::move(c)), text_(std::move(text)) {}

  absl::StatusOr<bool> Allows(absl::string_view version) const override {
    UC_ASSIGN_OR_RETURN(Version v, Version::Parse(version));
    return constraint_.Allows(v);
  }
  const std::string& text() const override { return text_; }

 private:
  Constraint constraint_;
  std::string text_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const VersionConstraint>>
VersionConstraint::Parse(absl::string_view text) {
  UC_ASSIGN_OR_RETURN(Constraint c, Constraint::Parse(text));
  return std::shared_ptr<const VersionConstraint>(
      std::make_shared<ParsedConstraint>(std::move(c), std::string(text)));
}

absl::StatusOr<std::vector<SkewFinding>> CheckSkew(
    const std::map<std::string, std::string>& context) {
  std::vector<ComponentVersion> components;
  for (const auto& [key, value] : context) {
    std::string name = key;
    if (name == "kubernetes") {
      if (context.count("kube-apiserver")) continue;
      name = "kube-apiserver";
    }
    absl::StatusOr<SkewComponent> c = ParseSkewComponent(name);
    if (!c.ok()) continue;  // not a component version
    absl::StatusOr<Version> v = Version::Parse(value);
    if (!v.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("context '", key, "': ", v.status().message()));
    }
    components.push_back(ComponentVersion{*c, *std::move(v), ""});
  }
  std::vector<SkewFinding> out;
  for (const SkewViolation& v : CheckVersionSkew(components)) {
    out.push_back(SkewFinding{std::string(v.rule->id), v.message});
  }
  return out;
}

absl::StatusOr<int> CompareVersions(absl::string_view a, absl::string_view b) {
  UC_ASSIGN_OR_RETURN(Version va, Version::Parse(a));
  UC_ASSIGN_OR_RETURN(Version vb, Version::Parse(b));
  if (va < vb) return -1;
  if (vb < va) return 1;
  return 0;
}

}  // namespace upgrade_core::compat::internal
