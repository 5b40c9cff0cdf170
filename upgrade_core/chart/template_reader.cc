// ReadValuesUsage: a chart's files and its dependencies' conditions fed to
// the Reader, and ValuesUsage's queries over what it found
// (template_reader_impl.h).
#include "upgrade_core/chart/template_reader.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "upgrade_core/chart/template_parser.h"
#include "upgrade_core/chart/template_reader_impl.h"
#include "upgrade_core/document/path.h"

namespace upgrade_core::chart::internal::template_reader {

void Reader::AddFile(std::string source, absl::string_view text, ValuesPath sub,
                     bool render) {
  File& f = files_.emplace_back();
  f.source = std::move(source);
  f.sub = std::move(sub);
  f.render = render;
  internal::ParseLimits pl;
  pl.max_nesting = limits_.max_nesting;
  f.parsed = internal::ParseTemplate(text, pl);
  for (const internal::ParseError& e : f.parsed.errors) {
    document::Location loc = Loc(f, e.pos);
    out_->problems.push_back({loc, e.message});
    ValuesPath all = f.sub;
    out_->unresolved.push_back(
        {all,
         absl::StrCat("the template does not parse past ", e.pos.line, ":",
                      e.pos.column, " (", e.message,
                      "); what it reads after that is not known"),
         loc});
  }
  for (const Define& d : f.parsed.defines) {
    defines_[d.name] = {&d, &f};  // the last definition wins, as in Helm
  }
}

void Reader::Run() {
  for (const File& f : files_) {
    if (!f.render) continue;
    Sym root;
    root.root = true;
    root.sub = f.sub;
    Ctx ctx{&f, root, -1, 0};
    PopVars(0);
    PushVar("$", root);
    Walk(f.parsed.root, ctx);
  }
}

}  // namespace upgrade_core::chart::internal::template_reader

namespace upgrade_core::chart {

std::string ValuesPathToString(const ValuesPath& path) {
  std::string out;
  for (const std::string& key : path) {
    if (key == "*") {
      out += out.empty() ? "*" : ".*";
    } else {
      document::AppendKey(&out, key);
    }
  }
  return out;
}

namespace {

using internal::template_reader::Reader;

// The dependency entry of Chart.yaml for `dep`, if any.
std::optional<document::Node> DependencyEntry(const Chart& chart,
                                              const Chart& dep) {
  std::optional<document::Node> deps =
      chart.metadata().root().Get("dependencies");
  if (!deps || !deps->is_list()) return std::nullopt;
  for (size_t i = 0; i < deps->size(); ++i) {
    document::Node e = deps->child(i);
    std::optional<document::Node> name = e.Get("name");
    if (name && name->is_scalar() && name->text() == dep.name()) return e;
  }
  return std::nullopt;
}

void AddChart(Reader& reader, const Chart& chart, const ValuesPath& sub) {
  for (const TemplateFile& t : chart.templates()) {
    absl::string_view base = t.name;
    if (size_t slash = base.rfind('/'); slash != absl::string_view::npos) {
      base.remove_prefix(slash + 1);
    }
    // Helm renders every template but the `_` helpers files.
    reader.AddFile(t.source, t.text, sub, !absl::StartsWith(base, "_"));
  }
  // Loading bounds the nesting of dependencies (ChartLimits).
  for (const Chart& dep : chart.dependencies()) {
    ValuesPath dep_sub = sub;
    std::optional<document::Node> entry = DependencyEntry(chart, dep);
    std::optional<document::Node> alias =
        entry ? entry->Get("alias") : std::nullopt;
    dep_sub.push_back(alias && alias->is_scalar() && !alias->text().empty()
                          ? std::string(alias->text())
                          : dep.name());
    if (entry) {
      // Helm itself reads `condition` (comma-separated values paths) and
      // `tags` to decide whether the dependency is rendered at all.
      if (std::optional<document::Node> c = entry->Get("condition");
          c && c->is_scalar()) {
        for (absl::string_view p : absl::StrSplit(c->text(), ',')) {
          p = absl::StripAsciiWhitespace(p);
          if (p.empty()) continue;
          ValuesPath path = sub;
          for (absl::string_view k : absl::StrSplit(p, '.')) {
            path.emplace_back(k);
          }
          reader.AddRead(std::move(path), ReadKind::kTest, c->location());
        }
      }
      if (std::optional<document::Node> tags = entry->Get("tags");
          tags && tags->is_list()) {
        for (size_t i = 0; i < tags->size(); ++i) {
          ValuesPath path = sub;
          path.push_back("tags");
          path.emplace_back(tags->child(i).text());
          reader.AddRead(std::move(path), ReadKind::kTest,
                         tags->child(i).location());
        }
      }
    }
    AddChart(reader, dep, dep_sub);
  }
}

enum class Relation { kNone, kEqual, kReadAbove, kReadBelow };

// How a read path relates to the user's key ("*" in the read matches any
// key).
Relation Relate(const ValuesPath& read, const ValuesPath& key) {
  const size_t n = std::min(read.size(), key.size());
  for (size_t i = 0; i < n; ++i) {
    if (read[i] != "*" && read[i] != key[i]) return Relation::kNone;
  }
  if (read.size() == key.size()) return Relation::kEqual;
  return read.size() < key.size() ? Relation::kReadAbove : Relation::kReadBelow;
}

bool IsDirect(const ValueRead& r, const ValuesPath& key) {
  switch (Relate(r.path, key)) {
    case Relation::kEqual:
    case Relation::kReadBelow:
      return true;
    case Relation::kReadAbove:
      return r.kind == ReadKind::kValue;
    case Relation::kNone:
      return false;
  }
  return false;
}

}  // namespace

ValuesUsage::Verdict ValuesUsage::Classify(const ValuesPath& key) const {
  Verdict v;
  for (const ValueRead& r : reads) {
    if (IsDirect(r, key)) {
      v.use = Use::kRead;
      v.read = &r;
      return v;
    }
    if (v.read == nullptr && r.kind == ReadKind::kWhole &&
        Relate(r.path, key) == Relation::kReadAbove) {
      v.use = Use::kPossiblyRead;
      v.read = &r;
    }
  }
  if (v.read != nullptr) return v;
  for (const Unresolved& u : unresolved) {
    if (Relate(u.path, key) != Relation::kNone) {
      v.use = Use::kNotAnalysed;
      v.unresolved = &u;
      return v;
    }
  }
  return v;
}

std::vector<const ValueRead*> ValuesUsage::ReadsOf(
    const ValuesPath& key) const {
  std::vector<const ValueRead*> direct, whole;
  for (const ValueRead& r : reads) {
    if (IsDirect(r, key)) {
      direct.push_back(&r);
    } else if (r.kind == ReadKind::kWhole &&
               Relate(r.path, key) == Relation::kReadAbove) {
      whole.push_back(&r);
    }
  }
  return direct.empty() ? whole : direct;
}

std::vector<const Gate*> ValuesUsage::GatesOf(const ValueRead& read) const {
  std::vector<const Gate*> out;
  for (int g = read.gate; g >= 0 && g < static_cast<int>(gates.size());
       g = gates[g].parent) {
    out.push_back(&gates[g]);
  }
  return out;
}

ValuesUsage ReadValuesUsage(const Chart& chart, const ReaderLimits& limits) {
  ValuesUsage usage;
  Reader reader(&usage, limits);
  AddChart(reader, chart, {});
  reader.Run();
  return usage;
}

ValuesUsage ReadTemplateValuesUsage(absl::string_view text,
                                    absl::string_view source,
                                    const ReaderLimits& limits) {
  ValuesUsage usage;
  Reader reader(&usage, limits);
  reader.AddFile(std::string(source), text, {}, true);
  reader.Run();
  return usage;
}

}  // namespace upgrade_core::chart
