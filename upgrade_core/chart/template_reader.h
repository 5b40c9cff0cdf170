// File: template_reader.h
// -----------------------------------------------------------------------------
// Which values a chart's templates can read, found by reading the templates'
// Go template actions, not by rendering them. It follows
//
//   * `.Values.a.b` and `$.Values.a.b`;
//   * dot rebinding by `with` and `range` (`range` reads every entry: a.*);
//   * variables (`$img := .Values.image`, `$k, $v := range ...`);
//   * `index .Values "a" "b"`, `get`, `dig`, `pluck`, `hasKey`;
//   * maps passed on whole: through `merge`/`default`/`coalesce` (the result
//     is a union: `(merge .Values.controller.image .Values.global.image)
//     .registry` reads both registries), into helpers through `include` and
//     `template` (the helper's body is read with its dot bound to what was
//     passed, across files), and into `toYaml`/`toJson`/`tpl`, where every
//     child of the map counts as possibly read;
//   * the enclosing `if`/`with`/`range` conditions of every read (its gates).
//
// What it cannot follow it says so (Unresolved: an include whose template
// name is computed, a template that does not exist, an unknown function, a
// template that did not parse past some point), so a caller never mistakes
// "not analysed" for "not read".
//
//   ValuesUsage usage = ReadValuesUsage(chart);
//   ValuesUsage::Verdict v = usage.Classify({"controller", "image",
//   "registry"}); v.use == Use::kRead; v.read->location.ToString();  //
//   "templates/x.yaml:84:42"
#ifndef UPGRADE_CORE_CHART_TEMPLATE_READER_H_
#define UPGRADE_CORE_CHART_TEMPLATE_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "upgrade_core/chart/chart.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::chart {

// A values path as keys: {"controller", "image", "registry"}. "*" stands for
// any key or list element (a `range`, or an index computed at render time).
using ValuesPath = std::vector<std::string>;

// "controller.image.registry" (keys that are not plain words quoted, as in
// document/path.h).
std::string ValuesPathToString(const ValuesPath& path);

enum class ReadKind : uint8_t {
  kTest,   // presence or truthiness: `if .Values.x`, `hasKey`, `empty`
  kValue,  // the value itself is used: printed, quoted, compared
  kWhole,  // passed on whole (toYaml, tpl): every child possibly read
};

struct ValueRead {
  ValuesPath path;
  ReadKind kind = ReadKind::kValue;
  document::Location location;
  // The innermost enclosing condition (an index into ValuesUsage::gates), or
  // -1 when the read is not inside an if/with/range.
  int gate = -1;
};

// An if/with/range condition and the values it tests.
struct Gate {
  std::vector<ValuesPath> paths;
  document::Location location;
  int parent = -1;  // the enclosing condition, or -1
};

// A place the reader could not follow. `path` is the values subtree it may
// read ({} = possibly any value).
struct Unresolved {
  ValuesPath path;
  std::string reason;
  document::Location location;
};

// A template that does not parse or calls an unknown function.
struct TemplateProblem {
  document::Location location;
  std::string message;
};

struct ReaderLimits {
  // Blocks and parentheses nested at most this deep in one template.
  int max_nesting = 100;
  // Helpers including helpers at most this deep (deeper: Unresolved).
  int max_include_depth = 64;
  // Work units for a whole chart: one per operand evaluated, and one per
  // values path and per key of it copied or recorded. Bounds the time and
  // the memory of charts whose helpers include each other exponentially
  // often (a 1 KB template once took a minute and 7 GB). Reading
  // ingress-nginx 4.12.8 takes about 20,000.
  uint64_t max_steps = 4'000'000;
};

class ValuesUsage {
 public:
  enum class Use {
    kRead,          // a template reads the key (or a key below it)
    kPossiblyRead,  // only within a map passed on whole (toYaml, tpl)
    kNotAnalysed,   // only where the reader could not follow
    kNotRead,       // no template reads it
  };
  struct Verdict {
    Use use = Use::kNotRead;
    const ValueRead* read = nullptr;         // kRead, kPossiblyRead
    const Unresolved* unresolved = nullptr;  // kNotAnalysed
  };

  std::vector<ValueRead> reads;
  std::vector<Gate> gates;
  std::vector<Unresolved> unresolved;
  std::vector<TemplateProblem> problems;

  // How the chart uses a key the user set. Pointers point into this object.
  Verdict Classify(const ValuesPath& key) const;
  // The reads behind Classify's verdict: those that read the key (kRead),
  // else the whole-map passes above it (kPossiblyRead), else none.
  std::vector<const ValueRead*> ReadsOf(const ValuesPath& key) const;
  // The conditions around a read, innermost first.
  std::vector<const Gate*> GatesOf(const ValueRead& read) const;
};

// Reads every template of `chart` and of its dependencies, at any depth
// (whose `.Values` is the parent's `.Values.<name or alias>`, with `global`
// shared), and counts the values Helm itself reads for a dependency (its
// `condition` paths and `tags` in Chart.yaml) as read at their Chart.yaml
// line.
ValuesUsage ReadValuesUsage(const Chart& chart,
                            const ReaderLimits& limits = {});

// One template text on its own (tests, fuzzing): its defines are available
// to its own includes.
ValuesUsage ReadTemplateValuesUsage(absl::string_view text,
                                    absl::string_view source,
                                    const ReaderLimits& limits = {});

}  // namespace upgrade_core::chart

#endif  // UPGRADE_CORE_CHART_TEMPLATE_READER_H_
