// File: render.h
// -----------------------------------------------------------------------------
// Pictures of one simulation: the step timeline as a Mermaid gantt chart
// (for Markdown pages and pull requests) and each service's ready endpoints
// over time as an SVG chart (for a report or a browser).
//
//   std::string gantt = sim::RenderMermaidGantt(result);
//   std::string svg = sim::RenderReadinessSvg(result);
//
// Both are plain string building with fixed number formatting: the same
// SimResult gives the same bytes on every machine.
#ifndef UPGRADE_CORE_SIM_RENDER_H_
#define UPGRADE_CORE_SIM_RENDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "upgrade_core/sim/simulator.h"

namespace upgrade_core::sim {

// One attempt of one step, from the timeline: issued at start_ms, finished
// (succeeded, failed or timed out) at end_ms, or still in flight when the
// run ended ("unfinished", end_ms = the run's duration).
struct StepBar {
  std::string step;       // "ingress-controller/await-ready"
  std::string component;  // the part before the '/' ("plan" when none)
  std::string action;     // the part after it
  int attempt = 1;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::string result;  // "succeeded", "failed", "timed out", "unfinished"
};

// The bars in the order their steps were issued.
std::vector<StepBar> StepBars(const SimResult& result);

// A Mermaid `gantt` block (without the ``` fence): one section per
// component in the order it first acted, one bar per step attempt; failed
// and timed-out attempts are marked `crit`, unfinished ones `active`,
// succeeded ones `done`. Times are milliseconds (`dateFormat x`).
std::string RenderMermaidGantt(const SimResult& result);

// An SVG 1.1 document: one panel per service, ready endpoints over the
// run as a step line, the availability floor (when the service has one) as
// a dashed line, and the time below the floor shaded.
std::string RenderReadinessSvg(const SimResult& result);

}  // namespace upgrade_core::sim

#endif  // UPGRADE_CORE_SIM_RENDER_H_
