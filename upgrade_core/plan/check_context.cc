// CheckContext: the state and lookups the plan checks share.
#include "upgrade_core/plan/check_context.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace upgrade_core::plan::internal {

std::string CountNoun(const proto::Component& c, int64_t n) {
  if (c.kind() == proto::DAEMON_SET) {
    return absl::StrCat(n, n == 1 ? " node" : " nodes");
  }
  return absl::StrCat(n, n == 1 ? " instance" : " instances");
}

CheckContext::CheckContext(const proto::UpgradePlan& plan,
                           const PlannerOptions& options)
    : plan(plan), options(options) {
  index_.reserve(plan.components_size());
  for (int i = 0; i < plan.components_size(); ++i) {
    index_.emplace(plan.components(i).id(), i);
  }
}

diag::Diagnostic& CheckContext::Add(diag::Severity severity,
                                    absl::string_view code, int component,
                                    std::string path, std::string message,
                                    std::string hint,
                                    const proto::SourceLocation* location) {
  diag::Diagnostic& p = diagnostics.emplace_back();
  p.severity = severity;
  p.code = std::string(code);
  if (component >= 0) p.component = plan.components(component).id();
  p.path = std::move(path);
  p.message = std::move(message);
  p.hint = std::move(hint);
  if (location != nullptr) {
    p.location = ToLocation(*location);
  } else if (component >= 0) {
    p.location = ToLocation(plan.components(component).location());
  }
  return p;
}

std::optional<int> CheckContext::Find(absl::string_view id) const {
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::string CheckContext::SuggestId(absl::string_view word) {
  if (!id_suggester_) {
    std::vector<absl::string_view> ids;
    ids.reserve(plan.components_size());
    for (const proto::Component& c : plan.components()) ids.push_back(c.id());
    id_suggester_.emplace(std::move(ids));
  }
  return id_suggester_->Suggest(word);
}

int CheckContext::DependsOnIndex(int i, absl::string_view target) {
  const proto::Component& c = plan.components(i);
  if (c.depends_on_size() <= 16) {
    int j = 0;
    while (j < c.depends_on_size() && c.depends_on(j) != target) ++j;
    return j;
  }
  if (depends_on_index_component_ != i) {
    depends_on_index_.clear();
    for (int j = c.depends_on_size(); j-- > 0;) {
      depends_on_index_[c.depends_on(j)] = j;
    }
    depends_on_index_component_ = i;
  }
  auto it = depends_on_index_.find(target);
  return it == depends_on_index_.end() ? c.depends_on_size() : it->second;
}

const proto::SourceLocation* CheckContext::StrategyLocation(int i) const {
  const proto::Component& c = plan.components(i);
  if (c.has_strategy() && c.strategy().location().line() > 0) {
    return &c.strategy().location();
  }
  return nullptr;
}

std::string CheckContext::Describe(int i) const {
  const proto::Component& c = plan.components(i);
  const Resolved& r = resolved[i];
  switch (r.strategy) {
    case proto::TERMINATE_FIRST:
      return absl::StrCat("TerminateFirst: all ", CountNoun(c, r.count),
                          " down");
    case proto::START_FIRST:
      return "StartFirst";
    case proto::ON_DELETE:
      return absl::StrCat("OnDelete: 1 of ", CountNoun(c, r.count),
                          " down at a time");
    default:
      return absl::StrCat("RollingUpdate: maxUnavailable ", r.unavailable,
                          " of ", CountNoun(c, r.count));
  }
}

}  // namespace upgrade_core::plan::internal
