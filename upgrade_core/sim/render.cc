// The gantt and SVG renderers. Times in the SVG are scaled to pixels with
// one decimal ("%.1f"): fixed formatting, so output is byte-stable.
#include "upgrade_core/sim/render.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "upgrade_core/exec/orchestrator.h"

namespace upgrade_core::sim {
namespace {

using exec::FormatDuration;

// Splits "<step> <verb>..." lines of the timeline. Returns false for lines
// that are not about a step (pods, nodes, the plan).
bool ParseIssued(absl::string_view what, std::string* step, int* attempt) {
  if (absl::StartsWith(what, "pod ") || absl::StartsWith(what, "node ") ||
      absl::StartsWith(what, "plan ")) {
    return false;
  }
  if (absl::ConsumeSuffix(&what, " issued")) {
    *step = std::string(what);
    *attempt = 1;
    return true;
  }
  const size_t at = what.find(" issued (attempt ");
  if (at == absl::string_view::npos || !absl::EndsWith(what, ")")) {
    return false;
  }
  absl::string_view n = what.substr(at + 17);
  n.remove_suffix(1);
  int a = 0;
  for (char c : n) {
    if (c < '0' || c > '9') return false;
    a = a * 10 + (c - '0');
  }
  *step = std::string(what.substr(0, at));
  *attempt = a;
  return true;
}

bool ParseFinished(absl::string_view what, std::string* step,
                   std::string* result) {
  if (absl::StartsWith(what, "pod ") || absl::StartsWith(what, "node ") ||
      absl::StartsWith(what, "plan ")) {
    return false;
  }
  if (absl::ConsumeSuffix(&what, " succeeded")) {
    *step = std::string(what);
    *result = "succeeded";
    return true;
  }
  for (auto [marker, name] :
       {std::pair<absl::string_view, absl::string_view>{" failed", "failed"},
        {" timed out after ", "timed out"}}) {
    const size_t at = what.find(marker);
    if (at != absl::string_view::npos && at > 0) {
      *step = std::string(what.substr(0, at));
      *result = std::string(name);
      return true;
    }
  }
  return false;
}

// Mermaid task titles end at ':' and lines at ';' or '#'.
std::string MermaidText(absl::string_view s) {
  std::string out;
  for (char c : s) {
    out += (c == ':' || c == ';' || c == '#' || c == '\n') ? ' ' : c;
  }
  return out;
}

std::string XmlEscape(absl::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0.
        out += (static_cast<unsigned char>(c) < 0x20 && c != '\t') ? ' ' : c;
    }
  }
  return out;
}

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

}  // namespace

std::vector<StepBar> StepBars(const SimResult& result) {
  std::vector<StepBar> bars;
  std::map<std::string, size_t> open;  // step -> index in bars
  for (const TimelineEvent& e : result.timeline) {
    std::string step, what;
    int attempt = 1;
    if (ParseIssued(e.what, &step, &attempt)) {
      StepBar b;
      b.step = step;
      const size_t slash = step.find('/');
      b.component = slash == std::string::npos ? "plan" : step.substr(0, slash);
      b.action = slash == std::string::npos ? step : step.substr(slash + 1);
      b.attempt = attempt;
      b.start_ms = e.at_ms;
      b.end_ms = result.duration_ms;
      b.result = "unfinished";
      open[step] = bars.size();
      bars.push_back(std::move(b));
    } else if (ParseFinished(e.what, &step, &what)) {
      auto it = open.find(step);
      if (it == open.end()) continue;
      bars[it->second].end_ms = e.at_ms;
      bars[it->second].result = what;
      open.erase(it);
    }
  }
  for (StepBar& b : bars) b.end_ms = std::max(b.end_ms, b.start_ms);
  return bars;
}

std::string RenderMermaidGantt(const SimResult& result) {
  std::string out = absl::StrCat(
      "gantt\n  title ",
      MermaidText(absl::StrCat(result.plan, " (seed ", result.seed, ") ",
                               result.stuck ? "stuck" : result.outcome,
                               " after ", FormatDuration(result.duration_ms))),
      "\n  dateFormat x\n  axisFormat %M m %S s\n");
  const std::vector<StepBar> bars = StepBars(result);
  std::vector<std::string> order;
  std::map<std::string, std::vector<const StepBar*>> by_component;
  for (const StepBar& b : bars) {
    auto [it, inserted] = by_component.try_emplace(b.component);
    if (inserted) order.push_back(b.component);
    it->second.push_back(&b);
  }
  for (const std::string& c : order) {
    absl::StrAppend(&out, "  section ", MermaidText(c), "\n");
    for (const StepBar* b : by_component[c]) {
      const char* tag = b->result == "succeeded"    ? "done"
                        : b->result == "unfinished" ? "active"
                                                    : "crit";
      std::string title = b->action;
      if (b->attempt > 1)
        absl::StrAppend(&title, " (attempt ", b->attempt, ")");
      if (b->result != "succeeded") absl::StrAppend(&title, " ", b->result);
      absl::StrAppend(&out, "  ", MermaidText(title), " :", tag, ", ",
                      b->start_ms, ", ", b->end_ms, "\n");
    }
  }
  return out;
}

std::string RenderReadinessSvg(const SimResult& result) {
  constexpr double kWidth = 720, kLeft = 60, kRight = 700;
  constexpr double kHeader = 40, kPanel = 170, kPlotTop = 28, kPlotHeight = 110;
  const size_t panels = std::max<size_t>(1, result.services.size());
  const double height = kHeader + kPanel * static_cast<double>(panels);
  const int64_t duration = std::max<int64_t>(1, result.duration_ms);
  auto x = [&](int64_t t) {
    return kLeft + (kRight - kLeft) * static_cast<double>(t) /
                       static_cast<double>(duration);
  };
  const std::string title =
      absl::StrCat(result.plan, " (seed ", result.seed,
                   "): ", result.stuck ? "stuck" : result.outcome, " after ",
                   FormatDuration(result.duration_ms));
  std::string out = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"",
      Num(kWidth), "\" height=\"", Num(height), "\" viewBox=\"0 0 ",
      Num(kWidth), " ", Num(height),
      "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<title>ready endpoints: ",
      XmlEscape(title),
      "</title>\n"
      "<rect x=\"0\" y=\"0\" width=\"",
      Num(kWidth), "\" height=\"", Num(height),
      "\" fill=\"#ffffff\"/>\n"
      "<text x=\"",
      Num(kLeft), "\" y=\"24\" font-size=\"14\">", XmlEscape(title),
      "</text>\n");
  if (result.services.empty()) {
    absl::StrAppend(&out, "<text x=\"", Num(kLeft), "\" y=\"",
                    Num(kHeader + 40),
                    "\">no services in this plan</text>\n</svg>\n");
    return out;
  }
  for (size_t i = 0; i < result.services.size(); ++i) {
    const ServiceResult& s = result.services[i];
    const double top = kHeader + kPanel * static_cast<double>(i) + kPlotTop;
    const double bottom = top + kPlotHeight;
    int64_t ymax = std::max<int64_t>(1, s.endpoints_total);
    for (const auto& [t, v] : s.ready_over_time) ymax = std::max(ymax, v);
    if (s.floor.has_value()) ymax = std::max(ymax, *s.floor);
    auto y = [&](int64_t v) {
      return bottom -
             kPlotHeight * static_cast<double>(v) / static_cast<double>(ymax);
    };
    // The steps: (t, v) holds until the next change, the last one until
    // the end of the run.
    std::vector<std::pair<int64_t, int64_t>> points = s.ready_over_time;
    if (points.empty() || points.front().first > 0) {
      points.insert(points.begin(), {0, s.endpoints_total});
    }
    absl::StrAppend(&out, "<g id=\"service-", i, "\">\n<text x=\"", Num(kLeft),
                    "\" y=\"", Num(top - 8), "\">", XmlEscape(s.name),
                    ": ready endpoints (min ", s.min_ready, "/",
                    s.endpoints_total);
    if (s.floor.has_value()) {
      absl::StrAppend(
          &out, ", floor ", *s.floor,
          s.ms_below_floor > 0
              ? absl::StrCat(", below for ", FormatDuration(s.ms_below_floor))
              : std::string(", held"));
    }
    absl::StrAppend(&out, ")</text>\n");
    // Shading first, so the lines draw over it.
    if (s.floor.has_value()) {
      for (size_t k = 0; k < points.size(); ++k) {
        if (points[k].second >= *s.floor) continue;
        const int64_t from = std::min(points[k].first, result.duration_ms);
        const int64_t to = k + 1 < points.size() ? std::min(points[k + 1].first,
                                                            result.duration_ms)
                                                 : result.duration_ms;
        if (to <= from) continue;
        absl::StrAppend(&out, "<rect class=\"below-floor\" x=\"", Num(x(from)),
                        "\" y=\"", Num(top), "\" width=\"",
                        Num(x(to) - x(from)), "\" height=\"", Num(kPlotHeight),
                        "\" fill=\"#f4cccc\" fill-opacity=\"0.8\"/>\n");
      }
    }
    // Axes and their labels.
    absl::StrAppend(&out, "<line x1=\"", Num(kLeft), "\" y1=\"", Num(bottom),
                    "\" x2=\"", Num(kRight), "\" y2=\"", Num(bottom),
                    "\" stroke=\"#333333\"/>\n<line x1=\"", Num(kLeft),
                    "\" y1=\"", Num(top), "\" x2=\"", Num(kLeft), "\" y2=\"",
                    Num(bottom), "\" stroke=\"#333333\"/>\n");
    absl::StrAppend(&out, "<text x=\"", Num(kLeft - 6), "\" y=\"",
                    Num(bottom + 4), "\" text-anchor=\"end\">0</text>\n",
                    "<text x=\"", Num(kLeft - 6), "\" y=\"", Num(top + 4),
                    "\" text-anchor=\"end\">", ymax, "</text>\n");
    absl::StrAppend(&out, "<text x=\"", Num(kLeft), "\" y=\"", Num(bottom + 16),
                    "\">0ms</text>\n<text x=\"", Num(kRight), "\" y=\"",
                    Num(bottom + 16), "\" text-anchor=\"end\">",
                    FormatDuration(result.duration_ms), "</text>\n");
    // The ready count as a step line.
    std::string path;
    for (size_t k = 0; k < points.size(); ++k) {
      const int64_t t = std::min(points[k].first, result.duration_ms);
      const double py = y(points[k].second);
      if (k == 0) {
        absl::StrAppend(&path, "M", Num(x(t)), " ", Num(py));
      } else {
        absl::StrAppend(&path, " H", Num(x(t)), " V", Num(py));
      }
    }
    absl::StrAppend(&path, " H", Num(x(result.duration_ms)));
    absl::StrAppend(&out, "<path class=\"ready\" d=\"", path,
                    "\" fill=\"none\" stroke=\"#1f77b4\" "
                    "stroke-width=\"2\"/>\n");
    if (s.floor.has_value()) {
      absl::StrAppend(&out, "<line class=\"floor\" x1=\"", Num(kLeft),
                      "\" y1=\"", Num(y(*s.floor)), "\" x2=\"", Num(kRight),
                      "\" y2=\"", Num(y(*s.floor)),
                      "\" stroke=\"#d62728\" stroke-dasharray=\"6 4\"/>\n"
                      "<text x=\"",
                      Num(kRight), "\" y=\"", Num(y(*s.floor) - 4),
                      "\" text-anchor=\"end\" fill=\"#d62728\">floor ",
                      *s.floor, "</text>\n");
    }
    absl::StrAppend(&out, "</g>\n");
  }
  absl::StrAppend(&out, "</svg>\n");
  return out;
}

}  // namespace upgrade_core::sim
