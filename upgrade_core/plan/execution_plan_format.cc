// Text, JSON, DOT and Mermaid renderings of an ExecutionPlan. All output is
// deterministic: it follows the order of the plan's waves and steps.
#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/graph/graph_format.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"

namespace upgrade_core::plan {
namespace {

void AppendJsonString(std::string& out, absl::string_view s) {
  out.push_back('"');
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void AppendStringArray(
    std::string& out,
    const google::protobuf::RepeatedPtrField<std::string>& items) {
  out.push_back('[');
  for (int i = 0; i < items.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(out, items[i]);
  }
  out.push_back(']');
}

void AppendStep(std::string& out, const proto::Step& s) {
  out += "{\"id\":";
  AppendJsonString(out, s.id());
  out += ",\"component\":";
  AppendJsonString(out, s.component());
  out += ",\"kind\":";
  AppendJsonString(out, StepKindName(s.kind()));
  out += ",\"dependsOn\":";
  AppendStringArray(out, s.depends_on());
  absl::StrAppend(&out, ",\"timeoutMs\":", s.timeout_ms(),
                  ",\"wave\":", s.wave());
  if (s.batch() > 0) absl::StrAppend(&out, ",\"batch\":", s.batch());
  out += ",\"transition\":";
  AppendJsonString(out, s.transition());
  out += ",\"waitsFor\":";
  AppendJsonString(out, s.waits_for());
  out += "}";
}

std::string Timeout(int64_t ms) {
  return ms > 0 ? FormatDurationMs(ms) : "none";
}

// Mermaid/DOT-safe identifier for step index i.
std::string NodeName(int i) { return absl::StrCat("s", i); }

std::string DotQuote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

std::string ExecutionPlan::ToText() const {
  const proto::ExecutionPlan& p = proto_;
  std::string out = absl::StrFormat(
      "Execution plan \"%s\": %d components, %d waves, %d steps (max parallel "
      "%s, "
      "on failure %s)\n",
      p.name(), static_cast<int>(graph_.size()), p.waves_size(), p.steps_size(),
      p.max_parallel() > 0 ? absl::StrCat(p.max_parallel()) : "unlimited",
      FailurePolicyName(p.on_failure()));
  size_t id_width = 4;
  for (const proto::Step& s : p.steps())
    id_width = std::max(id_width, s.id().size());
  for (const proto::Step& s : p.rollback_steps()) {
    id_width = std::max(id_width, s.id().size());
  }
  size_t transition_width = 10;
  for (const proto::Step& s : p.steps()) {
    transition_width = std::max(transition_width, s.transition().size());
  }
  auto row = [&](absl::string_view id, absl::string_view timeout,
                 absl::string_view transition, absl::string_view waits) {
    std::string line = absl::StrFormat(
        "  %-*s  %-7s  %-*s  %s", static_cast<int>(id_width), id, timeout,
        static_cast<int>(transition_width), transition, waits);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  int step = 0;
  for (const proto::Wave& w : p.waves()) {
    absl::StrAppend(&out, "\nWave ", w.index(), ": ",
                    absl::StrJoin(w.components(), ", "), "\n");
    absl::StrAppend(&out, row("STEP", "TIMEOUT", "LIFECYCLE", "WAITS FOR"));
    for (int k = 0; k < w.steps_size(); ++k, ++step) {
      const proto::Step& s = p.steps(step);
      absl::StrAppend(&out, row(s.id(), Timeout(s.timeout_ms()), s.transition(),
                                s.waits_for()));
    }
  }
  absl::StrAppend(&out, "\nOn failure (", FailurePolicyName(p.on_failure()),
                  "): roll back in reverse dependency order\n");
  absl::StrAppend(&out, row("STEP", "TIMEOUT", "LIFECYCLE", "WAITS FOR"));
  for (const proto::Step& s : p.rollback_steps()) {
    absl::StrAppend(&out, row(s.id(), Timeout(s.timeout_ms()), s.transition(),
                              s.waits_for()));
  }
  if (!warnings_.empty()) {
    absl::StrAppend(&out, "\nWarnings:\n");
    for (const proto::Problem& w : warnings_)
      absl::StrAppend(&out, "  ", FormatProblem(w), "\n");
  }
  return out;
}

std::string ExecutionPlan::ToJson() const {
  const proto::ExecutionPlan& p = proto_;
  std::string out;
  out.reserve(256 + p.steps_size() * 256);
  out += "{\"name\":";
  AppendJsonString(out, p.name());
  absl::StrAppend(&out, ",\"maxParallel\":", p.max_parallel(),
                  ",\"onFailure\":");
  AppendJsonString(out, FailurePolicyName(p.on_failure()));
  out += ",\"waves\":[";
  for (int w = 0; w < p.waves_size(); ++w) {
    if (w > 0) out.push_back(',');
    absl::StrAppend(&out, "{\"index\":", p.waves(w).index(),
                    ",\"components\":");
    AppendStringArray(out, p.waves(w).components());
    out += ",\"steps\":";
    AppendStringArray(out, p.waves(w).steps());
    out += "}";
  }
  out += "],\"steps\":[";
  for (int i = 0; i < p.steps_size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendStep(out, p.steps(i));
  }
  out += "],\"rollbackSteps\":[";
  for (int i = 0; i < p.rollback_steps_size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendStep(out, p.rollback_steps(i));
  }
  out += "],\"warnings\":[";
  for (size_t i = 0; i < warnings_.size(); ++i) {
    const proto::Problem& w = warnings_[i];
    if (i > 0) out.push_back(',');
    out += "{\"severity\":";
    AppendJsonString(out, SeverityName(w.severity()));
    out += ",\"code\":";
    AppendJsonString(out, w.code());
    out += ",\"component\":";
    AppendJsonString(out, w.component());
    out += ",\"path\":";
    AppendJsonString(out, w.path());
    out += ",\"message\":";
    AppendJsonString(out, w.message());
    out += ",\"hint\":";
    AppendJsonString(out, w.hint());
    out += ",\"location\":";
    AppendJsonString(out, FormatLocation(w.location()));
    out += "}";
  }
  out += "]}\n";
  return out;
}

std::string ExecutionPlan::ToDot() const {
  const proto::ExecutionPlan& p = proto_;
  std::string out =
      absl::StrCat("digraph ", DotQuote(p.name().empty() ? "plan" : p.name()),
                   " {\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n");
  // Step ids are unique; map them to dense node names in emission order.
  absl::flat_hash_map<absl::string_view, int> index;
  index.reserve(p.steps_size());
  for (int i = 0; i < p.steps_size(); ++i) index.emplace(p.steps(i).id(), i);
  int step = 0;
  for (const proto::Wave& w : p.waves()) {
    absl::StrAppend(
        &out, "  subgraph cluster_wave", w.index(),
        " {\n    label=", DotQuote(absl::StrCat("wave ", w.index())), ";\n");
    for (int k = 0; k < w.steps_size(); ++k, ++step) {
      const proto::Step& s = p.steps(step);
      absl::StrAppend(
          &out, "    ", NodeName(step), " [label=",
          DotQuote(absl::StrCat(s.id(), "\\n", Timeout(s.timeout_ms()))),
          "];\n");
    }
    out += "  }\n";
  }
  for (int i = 0; i < p.steps_size(); ++i) {
    for (const std::string& d : p.steps(i).depends_on()) {
      auto it = index.find(d);
      if (it != index.end()) {
        absl::StrAppend(&out, "  ", NodeName(it->second), " -> ", NodeName(i),
                        ";\n");
      }
    }
  }
  out += "}\n";
  return out;
}

std::string ExecutionPlan::ToMermaidGantt() const {
  const proto::ExecutionPlan& p = proto_;
  std::string out = "gantt\n";
  absl::StrAppend(&out, "  title ",
                  p.name().empty() ? "upgrade plan" : p.name(), "\n");
  out += "  dateFormat X\n  axisFormat %H:%M:%S\n";
  // One bar per component, as long as its steps' timeouts (an upper bound),
  // starting after its dependencies' bars (and after the previous wave).
  absl::flat_hash_map<absl::string_view, int> component_bar;
  int bar = 0;
  int step = 0;
  std::vector<std::string> previous_wave;
  for (const proto::Wave& w : p.waves()) {
    absl::StrAppend(&out, "  section wave ", w.index(), "\n");
    std::vector<std::string> this_wave;
    for (const std::string& component : w.components()) {
      int64_t ms = 0;
      while (step < p.steps_size() && p.steps(step).component() == component) {
        ms += p.steps(step).timeout_ms();
        ++step;
      }
      const std::string name = absl::StrCat("c", bar);
      component_bar.emplace(component, bar++);
      const std::string start =
          previous_wave.empty()
              ? "0"
              : absl::StrCat("after ", absl::StrJoin(previous_wave, " "));
      absl::StrAppend(&out, "  ", component, " :", name, ", ", start, ", ",
                      std::max<int64_t>(1, (ms + 999) / 1000), "s\n");
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
