// The dependency graph of a plan's components: built from each component's
// dependsOn, its problems reported at the dependsOn entry, and its waves.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "upgrade_core/graph/graph_builder.h"
#include "upgrade_core/plan/checks.h"

namespace upgrade_core::plan::internal {
namespace {

using diag::Severity;

void AddGraphProblem(CheckContext& ctx, const graph::GraphProblem& gp) {
  switch (gp.kind) {
    case graph::ProblemKind::kDuplicateNode:
      return;  // Plan::FromYaml/FromProto already rejected duplicates
    case graph::ProblemKind::kUnknownNode:
    case graph::ProblemKind::kSelfDependency: {
      const int i = *ctx.Find(gp.nodes[0]);
      const std::string& target =
          gp.nodes.size() > 1 ? gp.nodes[1] : gp.nodes[0];
      const proto::Component& c = ctx.plan.components(i);
      const int j = ctx.DependsOnIndex(i, target);
      const proto::SourceLocation* loc = j < c.depends_on_locations_size()
                                             ? &c.depends_on_locations(j)
                                             : nullptr;
      const std::string path =
          absl::StrCat("components[", i, "].dependsOn[", j, "]");
      if (gp.kind == graph::ProblemKind::kSelfDependency) {
        ctx.Add(Severity::kError, "graph.self-dependency", i, path, gp.message,
                absl::StrCat("remove \"", target, "\" from its own dependsOn"),
                loc);
      } else {
        const std::string guess = ctx.SuggestId(target);
        ctx.Add(
            Severity::kError, "graph.unknown-dependency", i, path, gp.message,
            guess.empty() ? "declare that component or remove the dependency"
                          : absl::StrCat("did you mean \"", guess, "\"?"),
            loc);
      }
      return;
    }
    case graph::ProblemKind::kCycle: {
      const int i = *ctx.Find(gp.nodes[0]);
      ctx.Add(Severity::kError, "graph.cycle", i,
              absl::StrCat("components[", i, "].dependsOn"), gp.message,
              "components on a cycle can never start; remove one of these "
              "dependsOn "
              "entries");
      return;
    }
  }
}

}  // namespace

void BuildGraph(CheckContext& ctx) {
  const proto::UpgradePlan& plan = ctx.plan;
  graph::GraphBuilder builder;
  size_t edges = 0;
  for (const proto::Component& c : plan.components()) {
    edges += c.depends_on_size();
  }
  builder.Reserve(plan.components_size(), edges);
  std::vector<graph::NodeHandle> handles;
  handles.reserve(plan.components_size());
  for (const proto::Component& c : plan.components()) {
    handles.push_back(builder.AddNode(c.id()));
  }
  for (int i = 0; i < plan.components_size(); ++i) {
    for (const std::string& dep : plan.components(i).depends_on()) {
      if (std::optional<int> d = ctx.Find(dep)) {
        builder.AddDependency(handles[i], handles[*d]);
      } else {
        builder.AddDependency(plan.components(i).id(), dep);
      }
    }
  }
  graph::BuildResult built = builder.BuildWithProblems();
  if (built.graph.ok()) {
    ctx.graph = *std::move(built.graph);
    return;
  }
  for (const graph::GraphProblem& gp : built.problems) {
    AddGraphProblem(ctx, gp);
  }
}

void ComputeWaves(CheckContext& ctx) {
  if (!ctx.graph) return;
  graph::WaveOptions options;
  options.max_parallel = std::max(0, ctx.plan.policy().max_parallel());
  ctx.waves = ctx.graph->ComputeWaves(options);
  ctx.wave_of.assign(ctx.plan.components_size(), 0);
  for (size_t w = 0; w < ctx.waves.size(); ++w) {
    for (graph::NodeId n : ctx.waves.wave(w)) ctx.wave_of[n] = w;
  }
}

}  // namespace upgrade_core::plan::internal
