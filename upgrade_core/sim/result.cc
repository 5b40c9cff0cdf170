// SimResult's outputs: the text summary and the stable JSON.
#include <string>

#include "absl/strings/str_cat.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/sim/simulator.h"
#include "upgrade_core/util/json_string.h"

namespace upgrade_core::sim {

using exec::FormatDuration;

bool SimResult::Healthy() const {
  if (stuck || outcome != "succeeded") return false;
  for (const ServiceResult& s : services) {
    if (s.ms_below_floor > 0) return false;
  }
  return true;
}

std::string SimResult::ToText() const {
  std::string out = absl::StrCat("simulation of ", plan, " (seed ", seed,
                                 "): ", stuck ? "STUCK" : outcome, " after ",
                                 FormatDuration(duration_ms), "\n");
  if (stuck) absl::StrAppend(&out, "  why: ", stuck_reason, "\n");
  if (!services.empty()) absl::StrAppend(&out, "services:\n");
  for (const ServiceResult& s : services) {
    absl::StrAppend(&out, "  ", s.name, ": min ", s.min_ready, "/",
                    s.endpoints_total, " ready");
    if (s.floor.has_value()) {
      absl::StrAppend(
          &out, ", floor ", *s.floor, ": ",
          s.ms_below_floor == 0
              ? std::string("held")
              : absl::StrCat("below for ", FormatDuration(s.ms_below_floor)));
    }
    absl::StrAppend(&out, "\n");
  }
  if (!components.empty()) absl::StrAppend(&out, "rollouts:\n");
  for (const ComponentResult& c : components) {
    absl::StrAppend(&out, "  ", c.id, ": ", c.instances,
                    c.instances == 1 ? " instance" : " instances", ", at most ",
                    c.peak_pods, " pods, at least ", c.min_ready, " ready\n");
  }
  if (!conflicts.empty()) absl::StrAppend(&out, "conflicts:\n");
  for (const Conflict& c : conflicts) {
    absl::StrAppend(
        &out, "  ", FormatDuration(c.since_ms), ": pod ", c.pod, " on ", c.node,
        " needs ", c.resource, ", held by ", c.holder,
        c.until_ms.has_value()
            ? absl::StrCat(" (waited ",
                           FormatDuration(*c.until_ms - c.since_ms), ")")
            : std::string(" (never freed)"),
        "\n");
  }
  if (!webhooks.empty()) absl::StrAppend(&out, "webhooks:\n");
  for (const WebhookResult& w : webhooks) {
    absl::StrAppend(&out, "  ", w.id, " (failurePolicy ", w.failure_policy,
                    ", served by ", w.served_by, "): server down for ",
                    FormatDuration(w.ms_without_server), ", ", w.rejected,
                    " requests rejected, ", w.unchecked,
                    " admitted unchecked\n");
  }
  absl::StrAppend(&out, "timeline:\n");
  for (const TimelineEvent& e : timeline) {
    absl::StrAppend(&out, "  ", FormatDuration(e.at_ms), "  ", e.what, "\n");
  }
  return out;
}

std::string SimResult::ToJson() const {
  std::string out = "{";
  absl::StrAppend(&out, "\"plan\":", JsonQuote(plan), ",\"seed\":", seed,
                  ",\"outcome\":", JsonQuote(outcome),
                  ",\"stuck\":", stuck ? "true" : "false",
                  ",\"stuckReason\":", JsonQuote(stuck_reason),
                  ",\"durationMs\":", duration_ms,
                  ",\"healthy\":", Healthy() ? "true" : "false",
                  ",\"services\":[");
  for (size_t i = 0; i < services.size(); ++i) {
    const ServiceResult& s = services[i];
    absl::StrAppend(
        &out, i ? "," : "", "{\"name\":", JsonQuote(s.name),
        ",\"endpoints\":", s.endpoints_total,
        ",\"floor\":", s.floor.has_value() ? absl::StrCat(*s.floor) : "null",
        ",\"minReady\":", s.min_ready, ",\"msBelowFloor\":", s.ms_below_floor,
        ",\"readyOverTime\":[");
    for (size_t k = 0; k < s.ready_over_time.size(); ++k) {
      absl::StrAppend(&out, k ? "," : "", "[", s.ready_over_time[k].first, ",",
                      s.ready_over_time[k].second, "]");
    }
    absl::StrAppend(&out, "]}");
  }
  absl::StrAppend(&out, "],\"conflicts\":[");
  for (size_t i = 0; i < conflicts.size(); ++i) {
    const Conflict& c = conflicts[i];
    absl::StrAppend(&out, i ? "," : "", "{\"pod\":", JsonQuote(c.pod),
                    ",\"node\":", JsonQuote(c.node),
                    ",\"resource\":", JsonQuote(c.resource),
                    ",\"holder\":", JsonQuote(c.holder),
                    ",\"sinceMs\":", c.since_ms, ",\"untilMs\":",
                    c.until_ms.has_value() ? absl::StrCat(*c.until_ms) : "null",
                    "}");
  }
  absl::StrAppend(&out, "],\"webhooks\":[");
  for (size_t i = 0; i < webhooks.size(); ++i) {
    const WebhookResult& w = webhooks[i];
    absl::StrAppend(&out, i ? "," : "", "{\"id\":", JsonQuote(w.id),
                    ",\"failurePolicy\":", JsonQuote(w.failure_policy),
                    ",\"servedBy\":", JsonQuote(w.served_by),
                    ",\"msWithoutServer\":", w.ms_without_server,
                    ",\"rejected\":", w.rejected,
                    ",\"unchecked\":", w.unchecked, "}");
  }
  absl::StrAppend(&out, "],\"components\":[");
  for (size_t i = 0; i < components.size(); ++i) {
    const ComponentResult& c = components[i];
    absl::StrAppend(&out, i ? "," : "", "{\"id\":", JsonQuote(c.id),
                    ",\"instances\":", c.instances,
                    ",\"peakPods\":", c.peak_pods,
                    ",\"minReady\":", c.min_ready, "}");
  }
  absl::StrAppend(&out, "],\"timeline\":[");
  for (size_t i = 0; i < timeline.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", "{\"atMs\":", timeline[i].at_ms,
                    ",\"what\":", JsonQuote(timeline[i].what), "}");
  }
  absl::StrAppend(&out, "]}\n");
  return out;
}

}  // namespace upgrade_core::sim
