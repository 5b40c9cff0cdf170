// Text, JSON, DOT and Mermaid renderings of an ExecutionPlan. All output is
// deterministic: it follows the order of the plan's waves and steps.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/graph/graph_format.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/util/json_string.h"
#include "upgrade_core/version_info.h"

namespace upgrade_core::plan {
namespace {

using StepList = google::protobuf::RepeatedPtrField<proto::Step>;

void AppendComponents(std::string& out, const proto::ExecutionPlan& p,
                      const proto::Wave& w) {
  out.push_back('[');
  for (int i = 0; i < w.components_size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(&out, p.components(w.components(i)));
  }
  out.push_back(']');
}

void AppendStep(std::string& out, const ExecutionPlan& plan,
                const proto::Step& s, const StepList& list) {
  out += "{\"id\":";
  AppendJsonString(&out, plan.StepId(s));
  out += ",\"component\":";
  AppendJsonString(&out, plan.ComponentId(s));
  out += ",\"kind\":";
  AppendJsonString(&out, StepKindName(s.kind()));
  out += ",\"dependsOn\":[";
  for (int i = 0; i < s.depends_on_size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(&out, plan.StepId(list[s.depends_on(i)]));
  }
  absl::StrAppend(&out, "],\"timeoutMs\":", s.timeout_ms(),
                  ",\"wave\":", s.wave());
  if (s.batch() > 0) absl::StrAppend(&out, ",\"batch\":", s.batch());
  out += ",\"transition\":";
  AppendJsonString(&out, FormatTransition(plan.StepTransition(s)));
  out += ",\"waitsFor\":";
  AppendJsonString(&out, s.waits_for());
  out += "}";
}

// What the executor does when a step fails, as the text output says it
// (docs/plan-reference.md, policy.onFailure), ending where the rollback
// step table begins.
absl::string_view OnFailureDescription(proto::FailurePolicy policy) {
  switch (policy) {
    case proto::ROLLBACK_FAILED:
      return "roll back only the component whose step failed (its rollback "
             "step below); the components already upgraded keep the new "
             "version";
    case proto::PAUSE:
      return "stop and wait for an operator; nothing is rolled back "
             "automatically. The steps an operator can run to roll back";
    case proto::CONTINUE:
      return "skip the failed component's dependents and carry on with every "
             "other component; nothing is rolled back automatically. The "
             "steps an operator can run to roll back";
    case proto::ROLLBACK_ALL:
    default:
      return "roll back every component upgraded so far, dependents first "
             "(reverse dependency order)";
  }
}

std::string Timeout(int64_t ms) {
  return ms > 0 ? FormatDurationMs(ms) : "none";
}

// A DOT double-quoted string; a newline becomes DOT's "\n" so an id cannot
// break the line structure.
std::string DotQuote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// A two-line DOT label: each line quoted, joined by DOT's line break escape
// (DotQuote would escape its backslash and show a literal "\n").
std::string DotLines(absl::string_view first, absl::string_view second) {
  std::string a = DotQuote(first), b = DotQuote(second);
  a.pop_back();
  return absl::StrCat(a, "\\n", absl::string_view(b).substr(1));
}

}  // namespace

std::string ExecutionPlan::ToText() const {
  const proto::ExecutionPlan& p = *proto_;
  std::string out = absl::StrFormat(
      "Execution plan \"%s\": %d components, %d waves, %d steps (max parallel "
      "%s, on failure %s)\n",
      p.name(), p.components_size(), p.waves_size(), p.steps_size(),
      p.max_parallel() > 0 ? absl::StrCat(p.max_parallel()) : "unlimited",
      FailurePolicyName(p.on_failure()));
  size_t id_width = 4;
  for (const proto::Step& s : p.steps()) {
    id_width = std::max(
        id_width, ComponentId(s).size() + 1 + StepKindName(s.kind()).size());
  }
  for (const proto::Step& s : p.rollback_steps()) {
    id_width = std::max(id_width, ComponentId(s).size() + 9);
  }
  size_t transition_width = 9;
  for (const proto::Step& s : p.steps()) {
    transition_width =
        std::max(transition_width, FormatTransition(StepTransition(s)).size());
  }
  for (const proto::Step& s : p.rollback_steps()) {
    transition_width =
        std::max(transition_width, FormatTransition(StepTransition(s)).size());
  }
  auto row = [&](absl::string_view id, absl::string_view timeout,
                 absl::string_view transition, absl::string_view waits) {
    std::string line = absl::StrFormat(
        "  %-*s  %-7s  %-*s  %s", static_cast<int>(id_width), id, timeout,
        static_cast<int>(transition_width), transition, waits);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  auto step_row = [&](const proto::Step& s) {
    return row(StepId(s), Timeout(s.timeout_ms()),
               FormatTransition(StepTransition(s)), s.waits_for());
  };
  for (const proto::Wave& w : p.waves()) {
    std::vector<absl::string_view> ids;
    for (int32_t c : w.components()) ids.push_back(p.components(c));
    absl::StrAppend(&out, "\nWave ", w.index(), ": ", absl::StrJoin(ids, ", "),
                    "\n", row("STEP", "TIMEOUT", "LIFECYCLE", "WAITS FOR"));
    for (int i = w.first_step(); i < w.first_step() + w.step_count(); ++i) {
      absl::StrAppend(&out, step_row(p.steps(i)));
    }
  }
  absl::StrAppend(&out, "\nOn failure (", FailurePolicyName(p.on_failure()),
                  "): ", OnFailureDescription(p.on_failure()), ":\n",
                  row("STEP", "TIMEOUT", "LIFECYCLE", "WAITS FOR"));
  for (const proto::Step& s : p.rollback_steps()) {
    absl::StrAppend(&out, step_row(s));
  }
  if (!warnings_.empty()) {
    absl::StrAppend(&out, "\nNotes:\n");
    for (const diag::Diagnostic& w : warnings_) {
      absl::StrAppend(&out, "  ", diag::FormatDiagnostic(w), "\n");
    }
  }
  return out;
}

std::string ExecutionPlan::ToJson() const {
  const proto::ExecutionPlan& p = *proto_;
  std::string out;
  out.reserve(256 + p.steps_size() * 256);
  // The envelope every upgradectl JSON document has (version, ok, and at the
  // end summary + diagnostics, diag/report.h); a compiled plan is ok.
  absl::StrAppend(&out, "{\"version\":", kJsonOutputVersion,
                  ",\"ok\":true,\"name\":");
  AppendJsonString(&out, p.name());
  absl::StrAppend(&out, ",\"maxParallel\":", p.max_parallel(),
                  ",\"onFailure\":");
  AppendJsonString(&out, FailurePolicyName(p.on_failure()));
  // Each component's lifecycle path: what an executor binds the component
  // lifecycle's start_first guard to, and whether preflight fires `backup`.
  out += ",\"components\":[";
  for (int i = 0; i < p.components_size(); ++i) {
    if (i > 0) out.push_back(',');
    out += "{\"id\":";
    AppendJsonString(&out, p.components(i));
    absl::StrAppend(&out, ",\"order\":\"",
                    p.start_first(i) ? "start-first" : "terminate-first",
                    "\",\"backup\":", p.backup(i) ? "true" : "false", "}");
  }
  out += "],\"waves\":[";
  for (int w = 0; w < p.waves_size(); ++w) {
    const proto::Wave& wave = p.waves(w);
    if (w > 0) out.push_back(',');
    absl::StrAppend(&out, "{\"index\":", wave.index(), ",\"components\":");
    AppendComponents(out, p, wave);
    out += ",\"steps\":[";
    for (int i = wave.first_step(); i < wave.first_step() + wave.step_count();
         ++i) {
      if (i > wave.first_step()) out.push_back(',');
      AppendJsonString(&out, StepId(p.steps(i)));
    }
    out += "]}";
  }
  out += "],\"steps\":[";
  for (int i = 0; i < p.steps_size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendStep(out, *this, p.steps(i), p.steps());
  }
  out += "],\"rollbackSteps\":[";
  for (int i = 0; i < p.rollback_steps_size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendStep(out, *this, p.rollback_steps(i), p.rollback_steps());
  }
  out += "],";
  diag::AppendDiagnosticsMembers(&out, warnings_);
  out += "}\n";
  return out;
}

std::string ExecutionPlan::ToDot() const {
  const proto::ExecutionPlan& p = *proto_;
  std::string out =
      absl::StrCat("digraph ", DotQuote(p.name().empty() ? "plan" : p.name()),
                   " {\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n");
  for (const proto::Wave& w : p.waves()) {
    absl::StrAppend(
        &out, "  subgraph cluster_wave", w.index(),
        " {\n    label=", DotQuote(absl::StrCat("wave ", w.index())), ";\n");
    for (int i = w.first_step(); i < w.first_step() + w.step_count(); ++i) {
      const proto::Step& s = p.steps(i);
      absl::StrAppend(
          &out, "    s", i, " [label=",
          // Two label lines: DOT's own "\n" escape between two quoted parts.
          DotLines(StepId(s), Timeout(s.timeout_ms())), "];\n");
    }
    out += "  }\n";
  }
  for (int i = 0; i < p.steps_size(); ++i) {
    for (int32_t d : p.steps(i).depends_on()) {
      absl::StrAppend(&out, "  s", d, " -> s", i, ";\n");
    }
  }
  out += "}\n";
  return out;
}

std::string ExecutionPlan::ToMermaidGantt() const {
  const proto::ExecutionPlan& p = *proto_;
  std::string out = absl::StrCat("gantt\n  title ",
                                 p.name().empty() ? "upgrade plan" : p.name(),
                                 "\n  dateFormat X\n  axisFormat %H:%M:%S\n");
  // One bar per component, as long as its steps' timeouts (an upper bound),
  // starting when the previous wave has finished.
  std::vector<std::string> previous_wave;
  int step = 0;
  for (const proto::Wave& w : p.waves()) {
    absl::StrAppend(&out, "  section wave ", w.index(), "\n");
    std::vector<std::string> this_wave;
    for (int32_t c : w.components()) {
      int64_t ms = 0;
      while (step < p.steps_size() && p.steps(step).component() == c) {
        ms += p.steps(step).timeout_ms();
        ++step;
      }
      const std::string name = absl::StrCat("c", c);
      const std::string start =
          previous_wave.empty()
              ? "0"
              : absl::StrCat("after ", absl::StrJoin(previous_wave, " "));
      absl::StrAppend(&out, "  ", p.components(c), " :", name, ", ", start,
                      ", ", std::max<int64_t>(1, (ms + 999) / 1000), "s\n");
      this_wave.push_back(name);
    }
    previous_wave = std::move(this_wave);
  }
  return out;
}

std::string ExecutionPlan::ToMermaidFlowchart() const {
  return graph::ToMermaid(graph_);
}

}  // namespace upgrade_core::plan
