// Python binding of upgrade_core/compat: Document, diff, RulePack, the chart,
// manifest and drift checks, and reports. Thin shims: convert arguments, one
// C++ call (GIL released), convert the result.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bindings/python/register.h"
#include "bindings/python/status_casters.h"
#include "upgrade_core/chart/chart.h"
#include "upgrade_core/chart/template_reader.h"
#include "upgrade_core/compat/chart_check.h"
#include "upgrade_core/compat/diff.h"
#include "upgrade_core/compat/drift.h"
#include "upgrade_core/compat/manifest_check.h"
#include "upgrade_core/compat/merge.h"
#include "upgrade_core/compat/rule_help.h"
#include "upgrade_core/compat/rules.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/document/path.h"

namespace upgrade_core::python {
namespace {

namespace py = pybind11;
using compat::Change;
using compat::ChartUpgradeReport;
using compat::RulePack;
using diag::Diagnostic;
using diag::Report;
using document::Document;
using document::Location;
using document::Node;
using document::NodeKind;

// A change plus the documents its nodes live in.
struct PyChange {
  Change change;
  Document old_doc;
  Document new_doc;
};

py::object ToPython(const Node& n) {
  if (!n.valid()) return py::none();
  switch (n.kind()) {
    case NodeKind::kNull:
      return py::none();
    case NodeKind::kBool:
      return py::bool_(n.bool_value());
    case NodeKind::kInt:
      return py::int_(n.int_value());
    case NodeKind::kFloat:
      return py::float_(n.float_value());
    case NodeKind::kString:
      return py::str(std::string(n.text()));
    case NodeKind::kList: {
      py::list l(n.size());
      for (size_t i = 0; i < n.size(); ++i) l[i] = ToPython(n.child(i));
      return std::move(l);
    }
    case NodeKind::kMap: {
      py::dict d;
      for (size_t i = 0; i < n.size(); ++i) {
        d[py::str(std::string(n.key(i)))] = ToPython(n.child(i));
      }
      return std::move(d);
    }
  }
  return py::none();
}

py::object LocationOrNone(const Location& loc) {
  if (loc.source.empty() && !loc.known()) return py::none();
  return py::cast(loc);
}

document::LoadOptions Options(std::optional<size_t> max_bytes,
                              std::optional<int> max_depth,
                              std::optional<uint64_t> max_nodes,
                              bool allow_aliases) {
  document::LoadOptions o;
  if (max_bytes) o.max_bytes = *max_bytes;
  if (max_depth) o.max_depth = *max_depth;
  if (max_nodes) o.max_nodes = *max_nodes;
  o.allow_aliases = allow_aliases;
  return o;
}

std::vector<PyChange> WrapChanges(std::vector<Change> changes,
                                  const Document& a, const Document& b) {
  std::vector<PyChange> out;
  out.reserve(changes.size());
  for (Change& c : changes) out.push_back(PyChange{std::move(c), a, b});
  return out;
}

// A diag::Severity as upgrade_core.Severity (an IntEnum, pure Python).
py::object ToPySeverity(diag::Severity severity) {
  return py::module_::import("upgrade_core._severity")
      .attr("Severity")(static_cast<int>(severity));
}

// A Severity, or its name ("error", "warning", "info"), to diag::Severity.
diag::Severity FromPySeverity(const py::handle& value) {
  if (py::isinstance<py::str>(value)) {
    return ValueOrThrow(diag::ParseSeverity(value.cast<std::string>()));
  }
  const int level = value.cast<int>();
  if (level < 0 || level > 2) {
    ThrowStatus(
        absl::InvalidArgumentError(absl::StrCat("unknown severity ", level)));
  }
  return static_cast<diag::Severity>(level);
}

// "a.b.c" -> {"a", "b", "c"}.
chart::ValuesPath KeysOf(const std::string& path) {
  chart::ValuesPath keys;
  for (absl::string_view k : absl::StrSplit(path, '.')) keys.emplace_back(k);
  return keys;
}

const char* UseName(chart::ValuesUsage::Use use) {
  switch (use) {
    case chart::ValuesUsage::Use::kRead:
      return "read";
    case chart::ValuesUsage::Use::kPossiblyRead:
      return "possibly-read";
    case chart::ValuesUsage::Use::kNotAnalysed:
      return "not-analysed";
    case chart::ValuesUsage::Use::kNotRead:
      break;
  }
  return "not-read";
}

absl::Status AsInput(absl::Status s) {
  if (s.ok() || s.code() == absl::StatusCode::kInvalidArgument) return s;
  return absl::InvalidArgumentError(s.message());
}

}  // namespace

void RegisterCompat(py::module_& m) {
  py::class_<Location>(m, "Location",
                       "A place in a source file (1-based line and column).")
      .def_readonly("source", &Location::source)
      .def_readonly("line", &Location::line)
      .def_readonly("column", &Location::column)
      .def("__str__", &Location::ToString)
      .def("__repr__", [](const Location& l) {
        return absl::StrCat("Location('", l.ToString(), "')");
      });

  auto load = [](auto fn) { return fn; };
  (void)load;
  py::class_<Document>(
      m, "Document",
      "An immutable YAML/JSON document; every value keeps its source "
      "location.")
      .def_static(
          "from_yaml",
          [](const std::string& text, const std::string& source,
             std::optional<size_t> max_bytes, std::optional<int> max_depth,
             std::optional<uint64_t> max_nodes, bool allow_aliases) {
            document::LoadOptions o =
                Options(max_bytes, max_depth, max_nodes, allow_aliases);
            absl::StatusOr<Document> d;
            {
              py::gil_scoped_release no_gil;
              d = Document::FromYaml(text, source, o);
            }
            return ValueOrThrow(std::move(d));
          },
          py::arg("text"), py::arg("source") = "<input>",
          py::arg("max_bytes") = py::none(), py::arg("max_depth") = py::none(),
          py::arg("max_nodes") = py::none(), py::arg("allow_aliases") = true,
          "Parses one YAML document. Raises ValueError naming "
          "source:line:column on malformed or over-limit input.")
      .def_static(
          "from_json",
          [](const std::string& text, const std::string& source) {
            absl::StatusOr<Document> d;
            {
              py::gil_scoped_release no_gil;
              d = Document::FromJson(text, source);
            }
            return ValueOrThrow(std::move(d));
          },
          py::arg("text"), py::arg("source") = "<input>", "Parses strict JSON.")
      .def_static(
          "from_python",
          [](const py::object& value, const std::string& source) {
            // Through JSON: dicts with string keys, lists, str, int, float,
            // bool, None (what the Kubernetes client and json.load return).
            std::string text = py::module_::import("json")
                                   .attr("dumps")(value, py::arg("indent") = 1)
                                   .cast<std::string>();
            absl::StatusOr<Document> d;
            {
              py::gil_scoped_release no_gil;
              d = Document::FromJson(text, source);
            }
            return ValueOrThrow(std::move(d));
          },
          py::arg("value"), py::arg("source") = "<python>",
          "A document from Python data (dicts, lists, scalars), e.g. a live "
          "object from the Kubernetes client.")
      .def_static(
          "from_file",
          [](const std::string& path) {
            absl::StatusOr<Document> d;
            {
              py::gil_scoped_release no_gil;
              d = Document::FromFile(path);
            }
            return ValueOrThrow(std::move(d));
          },
          py::arg("path"),
          "Reads a YAML file (or JSON when the name ends in .json).")
      .def_static(
          "stream_from_yaml",
          [](const std::string& text, const std::string& source) {
            absl::StatusOr<std::vector<Document>> d;
            {
              py::gil_scoped_release no_gil;
              d = Document::FromYamlStream(text, source);
            }
            return ValueOrThrow(std::move(d));
          },
          py::arg("text"), py::arg("source") = "<input>",
          "Every document of a multi-document YAML stream (Kubernetes "
          "manifests), empty ones skipped.")
      .def_static(
          "stream_from_file",
          [](const std::string& path) {
            absl::StatusOr<std::vector<Document>> d;
            {
              py::gil_scoped_release no_gil;
              d = Document::StreamFromFile(path);
            }
            return ValueOrThrow(std::move(d));
          },
          py::arg("path"), "Every document of a YAML file.")
      .def_property_readonly(
          "source", [](const Document& d) { return std::string(d.source()); },
          "The name given when loading.")
      .def_property_readonly("node_count", &Document::node_count,
                             "Number of stored nodes.")
      .def(
          "to_python", [](const Document& d) { return ToPython(d.root()); },
          "The whole document as dicts, lists and scalars.")
      .def("to_json", &Document::ToJson, py::arg("indent") = false,
           "JSON text, keys in document order.")
      .def(
          "get",
          [](const Document& d, const std::string& path) -> py::object {
            absl::StatusOr<document::Path> p = document::Path::Parse(path);
            ThrowIfError(p.status());
            std::vector<document::PathMatch> m = document::Select(d.root(), *p);
            if (m.empty()) return py::none();
            return ToPython(m[0].node);
          },
          py::arg("path"),
          "The value at a path such as 'spec.containers[name=app].image', or "
          "None.")
      .def(
          "location",
          [](const Document& d, const std::string& path) -> py::object {
            absl::StatusOr<document::Path> p = document::Path::Parse(path);
            ThrowIfError(p.status());
            std::vector<document::PathMatch> m = document::Select(d.root(), *p);
            if (m.empty()) return py::none();
            return py::cast(m[0].node.location());
          },
          py::arg("path"), "Where the value at `path` is, or None.")
      .def("__repr__", [](const Document& d) {
        return absl::StrCat("Document('", d.source(), "', ", d.node_count(),
                            " nodes)");
      });

  py::class_<PyChange>(m, "Change", "One difference between two documents.")
      .def_property_readonly(
          "kind",
          [](const PyChange& c) {
            return std::string(compat::ChangeKindName(c.change.kind));
          },
          "'added', 'removed', 'changed' or 'type_changed'.")
      .def_property_readonly(
          "path", [](const PyChange& c) { return c.change.path; },
          "User-style path, e.g. containers[name=app].image.")
      .def_property_readonly(
          "old_value",
          [](const PyChange& c) { return ToPython(c.change.old_value); },
          "The old value (None when added).")
      .def_property_readonly(
          "new_value",
          [](const PyChange& c) { return ToPython(c.change.new_value); },
          "The new value (None when removed).")
      .def_property_readonly(
          "old_location",
          [](const PyChange& c) {
            return LocationOrNone(c.change.old_location);
          },
          "Location in the old document, or None.")
      .def_property_readonly(
          "new_location",
          [](const PyChange& c) {
            return LocationOrNone(c.change.new_location);
          },
          "Location in the new document, or None.")
      .def("__repr__", [](const PyChange& c) {
        return absl::StrCat("Change(", compat::ChangeKindName(c.change.kind),
                            " ", c.change.path, ")");
      });

  m.def(
      "diff",
      [](const Document& old_doc, const Document& new_doc,
         std::optional<std::vector<std::string>> keys) {
        compat::DiffOptions o;
        if (keys) o.identity_keys = *keys;
        std::vector<Change> changes;
        {
          py::gil_scoped_release no_gil;
          changes = compat::Diff(old_doc.root(), new_doc.root(), o);
        }
        return WrapChanges(std::move(changes), old_doc, new_doc);
      },
      py::arg("old"), py::arg("new"), py::arg("keys") = py::none(),
      "Structured diff. Lists of maps are matched by the first identity key "
      "in `keys` (default ['name', 'containerPort']) that every element "
      "carries uniquely.");

  m.def(
      "merge_values",
      [](const Document& defaults, const std::vector<Document>& overrides) {
        std::vector<Node> nodes;
        for (const Document& d : overrides) nodes.push_back(d.root());
        py::gil_scoped_release no_gil;
        return compat::MergeValues(defaults.root(), nodes);
      },
      py::arg("defaults"), py::arg("overrides"),
      "Helm's merge: maps deep-merged, lists replaced, null deletes a key; "
      "later override files win.");

  py::class_<Diagnostic>(
      m, "Diagnostic",
      "One problem a check found (the one diagnostic type of every check).")
      .def_readonly("code", &Diagnostic::code,
                    "Stable id of the check, e.g. 'exclusive.surge'.")
      .def_readonly("rule", &Diagnostic::code, "Alias of code.")
      .def_property_readonly(
          "severity",
          [](const Diagnostic& f) { return ToPySeverity(f.severity); },
          "A Severity (ordered IntEnum; str() is 'error', 'warning', "
          "'info').")
      .def_readonly("path", &Diagnostic::path)
      .def_readonly("component", &Diagnostic::component)
      .def_readonly("message", &Diagnostic::message)
      .def_readonly("hint", &Diagnostic::hint)
      .def_property_readonly(
          "location",
          [](const Diagnostic& f) { return LocationOrNone(f.location); },
          "Location, or None.")
      .def("__str__", &diag::FormatDiagnostic)
      .def("__repr__", [](const Diagnostic& f) {
        return absl::StrCat("Diagnostic(", diag::SeverityName(f.severity), " ",
                            f.code, " ", f.path, ")");
      });
  m.attr("Finding") = m.attr("Diagnostic");  // the name before 0.2

  py::class_<Report>(m, "Report", "Findings of a check.")
      .def_readonly("findings", &Report::findings)
      .def_property_readonly(
          "ok", [](const Report& r) { return r.ok(); },
          "True when there is no error finding.")
      .def(
          "count",
          [](const Report& r, const py::handle& at_least) {
            return r.Count(FromPySeverity(at_least));
          },
          py::arg("at_least") = "info",
          "Number of findings at or above a severity.")
      .def(
          "passes",
          [](const Report& r, const py::handle& fail_on) {
            return r.ok(FromPySeverity(fail_on));
          },
          py::arg("fail_on") = "error",
          "True when no finding is at or above `fail_on`.")
      .def("to_text", &Report::ToText, "Human-readable text.")
      .def("to_json", &Report::ToJson, "JSON (docs/compat-findings.md).")
      .def(
          "to_sarif",
          [](const Report& r) { return r.ToSarif(compat::RuleHelp); },
          "SARIF 2.1.0 JSON.");

  py::class_<ChartUpgradeReport, Report>(
      m, "ChartReport",
      "A chart upgrade Report plus the effective values before and after.")
      .def_readonly("effective_before", &ChartUpgradeReport::effective_before)
      .def_readonly("effective_after", &ChartUpgradeReport::effective_after)
      .def_property_readonly(
          "changes",
          [](const ChartUpgradeReport& r) {
            return WrapChanges(r.effective_changes, r.effective_before,
                               r.effective_after);
          },
          "Diff of the effective values, before -> after.");

  py::class_<compat::ChartRenderReport, Report>(
      m, "RenderReport",
      "Where a chart fails to render with given values (Chart.check_render, "
      "docs/compat-chart-render.md), plus the effective values it used.")
      .def_readonly("effective", &compat::ChartRenderReport::effective);

  py::class_<RulePack>(m, "RulePack",
                       "A YAML rule pack (docs/compat-rules.md).")
      .def_static(
          "from_yaml",
          [](const std::string& text, const std::string& source) {
            return ValueOrThrow(RulePack::FromYaml(text, source));
          },
          py::arg("text"), py::arg("source") = "<rules>",
          "Loads a pack; ValueError naming the rule id and line on any "
          "problem.")
      .def_static(
          "from_file",
          [](const std::string& path) {
            return ValueOrThrow(RulePack::FromFile(path));
          },
          py::arg("path"), "Loads a pack from a file.")
      .def_static(
          "builtin",
          [](const std::string& name) {
            absl::StatusOr<RulePack> p = RulePack::Builtin(name);
            if (!p.ok()) ThrowIfError(AsInput(p.status()));
            return *std::move(p);
          },
          py::arg("name"),
          "A built-in pack, one of builtin_names(): 'kubernetes-apis', "
          "'version-skew', 'workload-safety'.")
      .def_static("builtin_names", &RulePack::BuiltinNames,
                  "Names of the built-in packs.")
      .def_property_readonly("name", &RulePack::name)
      .def_property_readonly("description", &RulePack::description)
      .def_property_readonly(
          "rule_ids",
          [](const RulePack& p) {
            std::vector<std::string> ids;
            for (const compat::Rule& r : p.rules()) ids.push_back(r.id);
            return ids;
          },
          "Ids of the rules, '<pack>/<id>'.")
      .def(
          "evaluate",
          [](const RulePack& p, const std::vector<Document>& docs,
             const std::map<std::string, std::string>& context) {
            std::vector<Node> roots;
            for (const Document& d : docs) roots.push_back(d.root());
            Report r;
            absl::Status status;
            {
              py::gil_scoped_release no_gil;
              absl::StatusOr<std::vector<Diagnostic>> findings =
                  p.EvaluateSet(roots, context);
              status = findings.status();
              if (findings.ok()) r.findings = *std::move(findings);
              r.Normalize();
            }
            ThrowIfError(status);
            return r;
          },
          py::arg("documents"),
          py::arg("context") = std::map<std::string, std::string>{},
          "Runs every rule on the documents.");

  py::class_<chart::TemplateProblem>(
      m, "TemplateProblem",
      "A chart template that does not parse or calls an unknown function.")
      .def_readonly("message", &chart::TemplateProblem::message)
      .def_property_readonly(
          "location",
          [](const chart::TemplateProblem& p) {
            return LocationOrNone(p.location);
          },
          "Location, or None.")
      .def("__repr__", [](const chart::TemplateProblem& p) {
        return absl::StrCat("TemplateProblem(", p.location.ToString(), ": ",
                            p.message, ")");
      });

  py::class_<chart::Unresolved>(
      m, "NotAnalysed",
      "A place where the template reader could not follow what a template "
      "reads: `path` is the values subtree ('' = any value).")
      .def_property_readonly("path",
                             [](const chart::Unresolved& u) {
                               return chart::ValuesPathToString(u.path);
                             })
      .def_readonly("reason", &chart::Unresolved::reason)
      .def_property_readonly(
          "location",
          [](const chart::Unresolved& u) { return LocationOrNone(u.location); },
          "Location, or None.")
      .def("__repr__", [](const chart::Unresolved& u) {
        return absl::StrCat("NotAnalysed(", chart::ValuesPathToString(u.path),
                            ": ", u.reason, ")");
      });

  py::class_<chart::ValuesUsage>(
      m, "ValuesUsage",
      "Which values a chart's templates can read (Chart.values_usage()).")
      .def(
          "classify",
          [](const chart::ValuesUsage& u, const std::string& path) {
            return UseName(u.Classify(KeysOf(path)).use);
          },
          py::arg("path"),
          "'read', 'possibly-read' (inside a map passed on whole), "
          "'not-analysed' or 'not-read', for a values path like 'a.b.c'.")
      .def(
          "where",
          [](const chart::ValuesUsage& u, const std::string& path) {
            chart::ValuesUsage::Verdict v = u.Classify(KeysOf(path));
            if (v.read != nullptr) return LocationOrNone(v.read->location);
            if (v.unresolved != nullptr) {
              return LocationOrNone(v.unresolved->location);
            }
            return py::object(py::none());
          },
          py::arg("path"),
          "The template location behind classify()'s answer, or None.")
      .def_readonly("problems", &chart::ValuesUsage::problems)
      .def_readonly("not_analysed", &chart::ValuesUsage::unresolved)
      .def_property_readonly(
          "read_count",
          [](const chart::ValuesUsage& u) { return u.reads.size(); },
          "Number of reads found (each value use in each template).");

  py::class_<chart::Chart>(
      m, "Chart",
      "A Helm chart: Chart.yaml, values.yaml, values.schema.json, templates "
      "and dependencies, loaded from a chart directory or a packaged .tgz "
      "(docs/compat-chart-check.md).")
      .def_static(
          "from_path",
          [](const std::string& path) {
            absl::StatusOr<chart::Chart> c;
            {
              py::gil_scoped_release no_gil;
              c = chart::Chart::Load(path);
            }
            return ValueOrThrow(std::move(c));
          },
          py::arg("path"),
          "Loads a chart directory or a packaged chart (.tgz); "
          "InputFileNotFoundError when missing, InputError for a file that "
          "is not a chart, a malformed file, an unsafe archive or a limit.")
      .def_property_readonly("name", &chart::Chart::name)
      .def_property_readonly("version", &chart::Chart::version)
      .def_property_readonly("source", &chart::Chart::source)
      .def_property_readonly("values", &chart::Chart::values,
                             "values.yaml as a Document.")
      .def_property_readonly(
          "schema",
          [](const chart::Chart& c) -> std::optional<Document> {
            return c.schema();
          },
          "values.schema.json as a Document, or None.")
      .def_property_readonly(
          "templates",
          [](const chart::Chart& c) {
            std::vector<std::string> names;
            for (const chart::TemplateFile& t : c.templates()) {
              names.push_back(t.name);
            }
            return names;
          },
          "Names of the template files ('templates/_helpers.tpl', ...).")
      .def_property_readonly("dependencies", &chart::Chart::dependencies,
                             "The charts under charts/.")
      .def(
          "values_usage",
          [](const chart::Chart& c) {
            py::gil_scoped_release no_gil;
            return chart::ReadValuesUsage(c);
          },
          "Reads the templates (and the dependencies'): a ValuesUsage to "
          "classify many paths with.")
      .def(
          "reads",
          [](const chart::Chart& c, const std::string& path) {
            chart::ValuesUsage usage;
            {
              py::gil_scoped_release no_gil;
              usage = chart::ReadValuesUsage(c);
            }
            return UseName(usage.Classify(KeysOf(path)).use);
          },
          py::arg("path"),
          "How the templates use a values path ('a.b.c', dots between "
          "keys): 'read', 'possibly-read' (inside a map passed on whole), "
          "'not-analysed' or 'not-read'.")
      .def(
          "check_render",
          [](const chart::Chart& c, const py::object& values) {
            std::vector<Document> overrides;
            if (py::isinstance<Document>(values)) {
              overrides.push_back(values.cast<Document>());
            } else if (!values.is_none()) {
              if (!py::isinstance<py::sequence>(values) ||
                  py::isinstance<py::str>(values)) {
                throw py::type_error(
                    "Chart.check_render: values must be a Document, a list "
                    "of Documents (later wins, like helm -f a -f b) or None");
              }
              for (const py::handle& h : values.cast<py::sequence>()) {
                if (!py::isinstance<Document>(h)) {
                  throw py::type_error(
                      "Chart.check_render: every values entry must be a "
                      "Document");
                }
                overrides.push_back(h.cast<Document>());
              }
            }
            absl::StatusOr<compat::ChartRenderReport> r;
            {
              py::gil_scoped_release no_gil;
              r = compat::CheckChartRender(c, overrides);
            }
            return ValueOrThrow(std::move(r));
          },
          py::arg("values") = py::none(),
          "Predicts where the templates fail to render with the chart's "
          "defaults merged with `values` (a Document, a list of them, later "
          "wins, or None): a RenderReport of chart/render-* findings.")
      .def("__repr__", [](const chart::Chart& c) {
        return absl::StrCat("Chart('", c.name(), "', '", c.version(), "', ",
                            c.templates().size(), " templates)");
      });

  m.def(
      "check_chart_upgrade",
      [](const py::object& old_defaults, const py::object& new_defaults,
         const Document& overrides, const std::vector<RulePack>& packs,
         const std::map<std::string, std::string>& context,
         std::optional<std::vector<std::string>> keys) {
        compat::ChartUpgradeOptions o;
        if (keys) o.identity_keys = *keys;
        absl::StatusOr<ChartUpgradeReport> r;
        const bool charts = py::isinstance<chart::Chart>(old_defaults) &&
                            py::isinstance<chart::Chart>(new_defaults);
        if (charts) {
          const chart::Chart& a = old_defaults.cast<const chart::Chart&>();
          const chart::Chart& b = new_defaults.cast<const chart::Chart&>();
          py::gil_scoped_release no_gil;
          r = compat::CheckChartUpgrade(a, b, overrides, packs, context, o);
        } else if (py::isinstance<Document>(old_defaults) &&
                   py::isinstance<Document>(new_defaults)) {
          const Document& a = old_defaults.cast<const Document&>();
          const Document& b = new_defaults.cast<const Document&>();
          py::gil_scoped_release no_gil;
          r = compat::CheckChartUpgrade(a, b, overrides, packs, context, o);
        } else {
          throw py::type_error(
              "check_chart_upgrade: old_defaults and new_defaults must both "
              "be Documents (values.yaml files) or both be Charts");
        }
        return ValueOrThrow(std::move(r));
      },
      py::arg("old_defaults"), py::arg("new_defaults"), py::arg("overrides"),
      py::arg("packs") = std::vector<RulePack>{},
      py::arg("context") = std::map<std::string, std::string>{},
      py::arg("keys") = py::none(),
      "Checks the user's overrides against a chart upgrade; returns a "
      "ChartReport. Given two Charts instead of two values Documents, their "
      "templates are read as evidence too (docs/compat-chart-check.md).");

  m.def(
      "check_manifests",
      [](const std::vector<Document>& documents, const std::string& kubernetes,
         std::optional<std::vector<RulePack>> packs,
         const std::map<std::string, std::string>& context) {
        absl::StatusOr<Report> r;
        {
          py::gil_scoped_release no_gil;
          std::vector<RulePack> p = packs ? *packs : std::vector<RulePack>{};
          r = compat::CheckManifests(documents, kubernetes, p, context);
        }
        return ValueOrThrow(std::move(r));
      },
      py::arg("documents"), py::arg("kubernetes") = "",
      py::arg("packs") = py::none(),
      py::arg("context") = std::map<std::string, std::string>{},
      "Checks manifests against a target Kubernetes version (default packs: "
      "kubernetes-apis and workload-safety).");

  m.def(
      "drift",
      [](const Document& desired, const Document& live,
         const std::vector<std::string>& ignore, bool ignore_system_fields,
         bool ignore_live_only_fields) {
        compat::DriftOptions o;
        o.ignore = ignore;
        o.ignore_system_fields = ignore_system_fields;
        o.ignore_live_only_fields = ignore_live_only_fields;
        absl::StatusOr<std::vector<Change>> d;
        {
          py::gil_scoped_release no_gil;
          d = compat::Drift(desired.root(), live.root(), o);
        }
        return WrapChanges(ValueOrThrow(std::move(d)), desired, live);
      },
      py::arg("desired"), py::arg("live"),
      py::arg("ignore") = std::vector<std::string>{},
      py::arg("ignore_system_fields") = true,
      py::arg("ignore_live_only_fields") = false,
      "Changes from desired to live, ignoring system-owned fields (status, "
      "metadata.uid, ...) and `ignore` paths.");
}

}  // namespace upgrade_core::python
