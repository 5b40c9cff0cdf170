// File: graph_validate.cc
// -----------------------------------------------------------------------------
// GraphBuilder's checking half: Validate(), FindCycles() and the Build()
// family, which build only what passes, and the wording of every
// GraphProblem. Apart from graph_builder.cc because validation is about
// telling a user what is wrong (all of it, in a stable order, naming the
// culprits), while building is about memory and speed at a million nodes.
//
// The fast path costs nothing extra: duplicates, unknown ids and self edges
// are counted as they are added (HasEdgeProblems() is O(1)), and cycles show
// up as nodes the build could not place. Only an invalid input pays for the
// full report.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/graph/cyclic_components.h"
#include "upgrade_core/graph/graph_builder.h"
#include "upgrade_core/graph/name_table.h"

namespace upgrade_core::graph {
namespace {

constexpr size_t kMaxProblemsInMessage = 20;

GraphProblem MakeProblem(ProblemKind kind, std::vector<std::string> nodes) {
  GraphProblem p;
  p.kind = kind;
  p.nodes = std::move(nodes);
  return p;
}

std::string Quote(absl::string_view s) { return absl::StrCat("\"", s, "\""); }

GraphProblem CycleProblem(const DependencyGraph& g,
                          const internal::CyclicComponent& c) {
  GraphProblem p = MakeProblem(ProblemKind::kCycle, {});
  for (NodeId v : c.cycle) p.nodes.emplace_back(g.id(v));
  for (NodeId v : c.members) p.component.emplace_back(g.id(v));
  p.message =
      absl::StrCat("dependency cycle: ", absl::StrJoin(p.nodes, " -> "));
  if (c.members.size() + 1 > c.cycle.size()) {
    constexpr size_t kShown = 10;
    std::vector<absl::string_view> shown(
        p.component.begin(),
        p.component.begin() + std::min(kShown, p.component.size()));
    absl::StrAppend(&p.message, " (one of the cycles among ", c.members.size(),
                    " mutually dependent nodes: ", absl::StrJoin(shown, ", "),
                    c.members.size() > kShown ? ", ..." : "", ")");
  }
  return p;
}

// One kCycle problem per component of `cycles`, found in `g`.
std::vector<GraphProblem> CycleProblems(
    const DependencyGraph& g, const internal::CyclicComponents& cycles) {
  std::vector<GraphProblem> problems;
  for (const internal::CyclicComponent& c : cycles.components) {
    problems.push_back(CycleProblem(g, c));
  }
  return problems;
}

absl::Status ProblemsToStatus(const std::vector<GraphProblem>& problems) {
  std::string message =
      absl::StrCat("invalid dependency graph: ", problems.size(),
                   problems.size() == 1 ? " problem" : " problems");
  for (size_t i = 0; i < problems.size() && i < kMaxProblemsInMessage; ++i) {
    absl::StrAppend(&message, "\n  ", problems[i].message);
  }
  if (problems.size() > kMaxProblemsInMessage) {
    absl::StrAppend(&message, "\n  ... and ",
                    problems.size() - kMaxProblemsInMessage, " more");
  }
  return absl::InvalidArgumentError(message);
}

BuildResult Failure(std::vector<GraphProblem> problems) {
  BuildResult result;
  result.graph = ProblemsToStatus(problems);
  result.problems = std::move(problems);
  return result;
}

}  // namespace

bool GraphBuilder::HasEdgeProblems() const {
  // All O(1): problems are counted as nodes and edges are added.
  return !duplicates_.empty() || self_edges_ > 0 ||
         num_declared_ != names_->size();  // an id never declared
}

std::vector<GraphProblem> GraphBuilder::EdgeProblems() const {
  std::vector<GraphProblem> problems;
  for (const std::string& id : duplicates_) {
    GraphProblem p = MakeProblem(ProblemKind::kDuplicateNode, {id});
    p.message =
        absl::StrCat("duplicate node ", Quote(id), ": added more than once");
    problems.push_back(std::move(p));
  }
  std::vector<uint8_t> self_reported;
  for (size_t i = 0; i < edge_from_.size(); ++i) {
    const NodeHandle a = edge_from_[i], b = edge_to_[i];
    const bool a_known = IsDeclared(a);
    const bool b_known = IsDeclared(b);
    if (!a_known || !b_known) {
      GraphProblem p = MakeProblem(ProblemKind::kUnknownNode,
                                   {std::string(id(a)), std::string(id(b))});
      if (!a_known) p.unknown.emplace_back(id(a));
      if (!b_known && b != a) p.unknown.emplace_back(id(b));
      p.message = absl::StrCat(
          "unknown node", p.unknown.size() > 1 ? "s " : " ",
          absl::StrJoin(p.unknown, " and ",
                        [](std::string* out, const std::string& s) {
                          out->append(Quote(s));
                        }),
          ": ", Quote(id(a)), " depends on ", Quote(id(b)), ", but ",
          p.unknown.size() > 1 ? "neither was" : Quote(p.unknown[0]) + " was",
          " never added");
      problems.push_back(std::move(p));
    }
    if (a == b) {
      if (self_reported.empty()) self_reported.resize(names_->size(), 0);
      if (self_reported[a]) continue;
      self_reported[a] = 1;
      GraphProblem p =
          MakeProblem(ProblemKind::kSelfDependency, {std::string(id(a))});
      p.message =
          absl::StrCat("self-dependency: ", Quote(id(a)), " depends on itself");
      problems.push_back(std::move(p));
    }
  }
  return problems;
}

internal::CyclicComponents GraphBuilder::CyclesOf(const DependencyGraph& g) {
  if (internal::AllPlaced(g.level_)) {
    return {{}, std::vector<uint32_t>(g.size(), internal::kUnplaced)};
  }
  return internal::FindCyclicComponents(g.rdep_off_, g.rdeps_, g.level_);
}

std::vector<GraphProblem> GraphBuilder::Validate() const {
  std::vector<GraphProblem> problems = EdgeProblems();
  const DependencyGraph g = BuildUnchecked();
  for (GraphProblem& p : CycleProblems(g, CyclesOf(g))) {
    problems.push_back(std::move(p));
  }
  return problems;
}

std::vector<std::vector<std::string>> GraphBuilder::FindCycles() const {
  const DependencyGraph g = BuildUnchecked();
  std::vector<std::vector<std::string>> cycles;
  for (const internal::CyclicComponent& c : CyclesOf(g).components) {
    std::vector<std::string> cycle;
    for (NodeId v : c.cycle) cycle.emplace_back(g.id(v));
    cycles.push_back(std::move(cycle));
  }
  return cycles;
}

BuildResult GraphBuilder::BuildWithProblems() const& {
  if (!HasEdgeProblems()) {
    DependencyGraph g = BuildUnchecked();
    if (internal::AllPlaced(g.level_)) return {std::move(g), {}};
  }
  return Failure(Validate());
}

BuildResult GraphBuilder::BuildWithProblems() && {
  if (HasEdgeProblems()) return Failure(Validate());
  // The edges are released while building, so Validate() could not run
  // afterwards: with no edge problems, the only possible problems are
  // cycles, and those are reported from the built arrays.
  DependencyGraph g = BuildUnchecked(/*release=*/true);
  if (internal::AllPlaced(g.level_)) return {std::move(g), {}};
  return Failure(CycleProblems(g, CyclesOf(g)));
}

absl::StatusOr<DependencyGraph> GraphBuilder::Build() const& {
  return BuildWithProblems().graph;
}

absl::StatusOr<DependencyGraph> GraphBuilder::Build() && {
  return std::move(*this).BuildWithProblems().graph;
}

}  // namespace upgrade_core::graph
