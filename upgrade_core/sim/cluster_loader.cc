// Cluster files: the schema walk (nodes, timing, durations, faults) and
// ClusterFromYaml / LoadCluster. The value readers it walks with are in
// cluster_loader_impl.h and cluster_loader_reader.cc.
#include "upgrade_core/sim/cluster_loader.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/document/file_reader.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/sim/cluster_loader_impl.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::sim {
namespace {

using internal::Guess;
using internal::kMaxAttempts;
using internal::kMaxNodes;
using internal::kMaxRequestsPerSecond;
using internal::kMaxTimeMs;
using internal::Reader;
using internal::TypeName;
using internal::YNode;

constexpr absl::string_view kStepKindNames[] = {
    "preflight",   "backup", "terminate-old", "start-new",
    "await-ready", "verify", "rollback"};
constexpr proto::StepKind kStepKindValues[] = {
    proto::PREFLIGHT,   proto::BACKUP, proto::TERMINATE_OLD, proto::START_NEW,
    proto::AWAIT_READY, proto::VERIFY, proto::ROLLBACK};

// Names from the compiled plan, to check the file's against.
struct PlanNames {
  std::vector<std::string> components;
  std::vector<std::string> steps;
};

// A name that must be one of `names` (skipped when `names` is null).
void CheckName(Reader& r, const document::Location& at, const std::string& path,
               absl::string_view what, const std::string& name,
               const std::vector<std::string>* names) {
  if (names == nullptr ||
      std::find(names->begin(), names->end(), name) != names->end()) {
    return;
  }
  std::vector<absl::string_view> views(names->begin(), names->end());
  r.Error(at, path, "cluster.unknown-name",
          absl::StrCat("the plan has no ", what, " \"", name, "\"",
                       Guess(name, views)));
}

void ReadNodes(Reader& r, const YNode& node, const std::string& path,
               Cluster* cluster) {
  if (node.is_list()) {
    std::set<std::string> names;
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string p = absl::StrCat(path, "[", i, "]");
      YNode entry = node.child(i);
      YNode name_node = entry;
      sim::Node n;
      bool has_name = false;
      if (!r.ForFields(
              entry, p, {"name", "labels"},
              [&](const std::string& f, const YNode& v, const std::string& fp) {
                if (f == "name") {
                  name_node = v;
                  has_name = r.String(v, fp, &n.name);
                  return;
                }
                if (!v.is_map()) {
                  r.Error(
                      v, fp, "schema.type",
                      absl::StrCat("expected a mapping, got ", TypeName(v)));
                }
              })) {
        continue;
      }
      // Labels are free-form: read them here rather than through ForFields.
      if (auto labels = entry.Get("labels")) {
        for (size_t j = 0; labels->is_map() && j < labels->size(); ++j) {
          std::string value;
          if (r.String(labels->child(j),
                       absl::StrCat(p, ".labels.", labels->key(j)), &value)) {
            n.labels[std::string(labels->key(j))] = value;
          }
        }
      }
      if (!has_name) {
        if (entry.Get("name") == std::nullopt) {
          r.Error(entry, p, "schema.missing-field", "a node needs a name");
        }
        continue;
      }
      if (!names.insert(n.name).second) {
        r.Error(name_node, absl::StrCat(p, ".name"), "cluster.duplicate-node",
                absl::StrCat("node \"", n.name, "\" is listed twice"));
        continue;
      }
      cluster->nodes.push_back(std::move(n));
    }
    if (node.size() == 0) {
      r.Error(node, path, "schema.empty", "expected at least one node");
    }
    return;
  }
  int64_t count = 0;
  std::map<std::string, std::string> labels;
  bool has_count = false;
  if (!r.ForFields(
          node, path, {"count", "labels"},
          [&](const std::string& f, const YNode& v, const std::string& p) {
            if (f == "count") {
              has_count = r.Int(v, p, 1, kMaxNodes, &count);
              return;
            }
            if (!v.is_map()) {
              r.Error(v, p, "schema.type",
                      absl::StrCat("expected a mapping, got ", TypeName(v)));
              return;
            }
            for (size_t j = 0; j < v.size(); ++j) {
              std::string value;
              if (r.String(v.child(j), absl::StrCat(p, ".", v.key(j)),
                           &value)) {
                labels[std::string(v.key(j))] = value;
              }
            }
          })) {
    return;
  }
  if (!has_count) {
    if (node.Get("count") == std::nullopt) {
      r.Error(node, path, "schema.missing-field",
              "nodes needs a count (or give a list of named nodes)");
    }
    return;
  }
  for (int64_t i = 1; i <= count; ++i) {
    cluster->nodes.push_back({absl::StrCat("node-", i), labels});
  }
}

void ReadPodTiming(Reader& r, const YNode& node, const std::string& path,
                   PodTiming* out) {
  r.ForFields(node, path, {"start", "readiness", "grace"},
              [&](const std::string& f, const YNode& v, const std::string& p) {
                Duration* d = f == "start"       ? &out->start
                              : f == "readiness" ? &out->readiness
                                                 : &out->grace;
                r.Distribution(v, p, d);
              });
}

void ReadTiming(Reader& r, const YNode& node, const std::string& path,
                const PlanNames* names, SimOptions* options) {
  r.ForFields(node, path, {"default", "components"},
              [&](const std::string& f, const YNode& v, const std::string& p) {
                if (f == "default") {
                  ReadPodTiming(r, v, p, &options->default_pod_timing);
                  return;
                }
                if (!v.is_map()) {
                  r.Error(
                      v, p, "schema.type",
                      absl::StrCat("expected a mapping, got ", TypeName(v)));
                  return;
                }
                for (size_t i = 0; i < v.size(); ++i) {
                  const std::string id(v.key(i));
                  const std::string cp = absl::StrCat(p, ".", id);
                  CheckName(r, v.key_location(i), cp, "component", id,
                            names ? &names->components : nullptr);
                  PodTiming timing = options->default_pod_timing;
                  ReadPodTiming(r, v.child(i), cp, &timing);
                  options->pod_timing[id] = timing;
                }
              });
}

void ReadDurations(Reader& r, const YNode& node, const std::string& path,
                   const PlanNames* names, SimOptions* options) {
  const std::vector<absl::string_view> kinds(std::begin(kStepKindNames),
                                             std::end(kStepKindNames));
  r.ForFields(
      node, path, {"kinds", "steps"},
      [&](const std::string& f, const YNode& v, const std::string& p) {
        if (f == "kinds") {
          r.ForFields(v, p, kinds,
                      [&](const std::string& k, const YNode& kv,
                          const std::string& kp) {
                        const size_t i =
                            std::find(kinds.begin(), kinds.end(), k) -
                            kinds.begin();
                        Duration d;
                        if (r.Distribution(kv, kp, &d)) {
                          options->step_durations[kStepKindValues[i]] = d;
                        }
                      });
          return;
        }
        if (!v.is_map()) {
          r.Error(v, p, "schema.type",
                  absl::StrCat("expected a mapping, got ", TypeName(v)));
          return;
        }
        for (size_t i = 0; i < v.size(); ++i) {
          const std::string id(v.key(i));
          const std::string sp = absl::StrCat(p, ".", id);
          CheckName(r, v.key_location(i), sp, "step", id,
                    names ? &names->steps : nullptr);
          Duration d;
          if (r.Distribution(v.child(i), sp, &d)) {
            options->step_durations_by_id[id] = d;
          }
        }
      });
}

void ReadFault(Reader& r, const YNode& node, const std::string& path,
               const PlanNames* names, SimOptions* options) {
  static const std::vector<absl::string_view> kTypes = {
      "step-fails", "never-ready", "node-lost", "late-config"};
  if (!node.is_map()) {
    r.Error(node, path, "schema.type",
            absl::StrCat("expected a mapping, got ", TypeName(node)));
    return;
  }
  auto type_node = node.Get("type");
  std::string type;
  if (!type_node) {
    r.Error(node, path, "schema.missing-field", "a fault needs a type",
            absl::StrCat("one of: ", absl::StrJoin(kTypes, ", ")));
    return;
  }
  if (!r.String(*type_node, path + ".type", &type)) return;
  std::vector<absl::string_view> known;
  std::vector<absl::string_view> required;
  if (type == "step-fails") {
    known = {"type", "step", "attempts", "probability", "at"};
    required = {"step"};
  } else if (type == "never-ready") {
    known = {"type", "component"};
    required = {"component"};
  } else if (type == "node-lost") {
    known = {"type", "node", "at"};
    required = {"node", "at"};
  } else if (type == "late-config") {
    known = {"type", "component", "delay"};
    required = {"component", "delay"};
  } else {
    r.Error(
        *type_node, path + ".type", "schema.enum",
        absl::StrCat("unknown fault type \"", type, "\"", Guess(type, kTypes)),
        absl::StrCat("one of: ", absl::StrJoin(kTypes, ", ")));
    return;
  }
  Fault f;
  bool ok = true;
  bool has_attempts = false;
  bool has_at = false;
  r.ForFields(node, path, known,
              [&](const std::string& k, const YNode& v, const std::string& p) {
                if (k == "type") return;
                if (k == "step") {
                  ok &= r.String(v, p, &f.step);
                  if (ok) {
                    CheckName(r, v.location(), p, "step", f.step,
                              names ? &names->steps : nullptr);
                  }
                } else if (k == "component") {
                  ok &= r.String(v, p, &f.component);
                  if (ok) {
                    CheckName(r, v.location(), p, "component", f.component,
                              names ? &names->components : nullptr);
                  }
                } else if (k == "node") {
                  ok &= r.String(v, p, &f.node);
                } else if (k == "attempts") {
                  int64_t n = 0;
                  has_attempts = r.Int(v, p, 1, kMaxAttempts, &n);
                  ok &= has_attempts;
                  f.attempts = static_cast<int32_t>(n);
                } else if (k == "probability") {
                  ok &= r.Number(v, p, 0, 1, &f.probability);
                } else if (k == "at") {
                  has_at = r.Time(v, p, type == "node-lost" ? 0 : 1, kMaxTimeMs,
                                  &f.at_ms);
                  ok &= has_at;
                } else if (k == "delay") {
                  ok &= r.Time(v, p, 0, kMaxTimeMs, &f.delay_ms);
                }
              });
  for (absl::string_view req : required) {
    if (!node.Get(req)) {
      ok = false;
      r.Error(node, path, "schema.missing-field",
              absl::StrCat("a ", type, " fault needs ", req));
    }
  }
  if (type == "step-fails" && has_at &&
      (has_attempts || node.Get("probability"))) {
    ok = false;
    r.Error(*node.Get("at"), path + ".at", "cluster.fault",
            "a step-fails fault takes either at, or attempts/probability, "
            "not both",
            "at fails the attempt in flight at that time; attempts and "
            "probability fail attempts as they finish");
  }
  if (!ok) return;
  f.kind = type == "step-fails"    ? Fault::Kind::kStepFails
           : type == "never-ready" ? Fault::Kind::kNeverReady
           : type == "node-lost"   ? Fault::Kind::kNodeLost
                                   : Fault::Kind::kLateConfig;
  if (f.kind == Fault::Kind::kStepFails && has_at) f.attempts = -1;
  options->faults.push_back(std::move(f));
}

}  // namespace

absl::StatusOr<ClusterSpec> ClusterFromYaml(absl::string_view text,
                                            absl::string_view source,
                                            const plan::ExecutionPlan* plan) {
  UC_ASSIGN_OR_RETURN(document::Document doc,
                      document::Document::FromYaml(text, source));
  PlanNames names;
  if (plan != nullptr) {
    for (const std::string& c : plan->proto().components()) {
      names.components.push_back(c);
    }
    for (const proto::Step& s : plan->proto().steps()) {
      names.steps.push_back(plan->StepId(s));
    }
  }
  const PlanNames* checked = plan != nullptr ? &names : nullptr;
  Reader r;
  ClusterSpec spec;
  const YNode root = doc.root();
  std::vector<std::pair<YNode, std::string>> node_names;  // for faults
  bool has_api = false, has_kind = false;
  r.ForFields(
      root, "",
      {"apiVersion", "kind", "nodes", "timing", "durations", "faults",
       "webhookRequestsPerSecond", "horizon"},
      [&](const std::string& f, const YNode& v, const std::string& p) {
        if (f == "apiVersion" || f == "kind") {
          std::string s;
          const absl::string_view want =
              f == "apiVersion" ? "upgrade-core/v1" : "Cluster";
          (f == "apiVersion" ? has_api : has_kind) = true;
          if (r.String(v, p, &s) && s != want) {
            r.Error(v, p, "schema.value",
                    absl::StrCat("expected ", f, " \"", want, "\", got \"", s,
                                 "\""));
          }
        } else if (f == "nodes") {
          ReadNodes(r, v, p, &spec.cluster);
        } else if (f == "timing") {
          ReadTiming(r, v, p, checked, &spec.options);
        } else if (f == "durations") {
          ReadDurations(r, v, p, checked, &spec.options);
        } else if (f == "webhookRequestsPerSecond") {
          r.Number(v, p, 0, kMaxRequestsPerSecond,
                   &spec.options.webhook_requests_per_second);
        } else if (f == "horizon") {
          r.Time(v, p, 1, kMaxTimeMs, &spec.options.horizon_ms);
        } else if (f == "faults") {
          if (!v.is_list()) {
            r.Error(v, p, "schema.type",
                    absl::StrCat("expected a list, got ", TypeName(v)));
            return;
          }
          for (size_t i = 0; i < v.size(); ++i) {
            const size_t before = spec.options.faults.size();
            ReadFault(r, v.child(i), absl::StrCat(p, "[", i, "]"), checked,
                      &spec.options);
            if (spec.options.faults.size() > before &&
                spec.options.faults.back().kind == Fault::Kind::kNodeLost) {
              node_names.emplace_back(*v.child(i).Get("node"),
                                      absl::StrCat(p, "[", i, "].node"));
            }
          }
        }
      });
  if (root.is_map()) {
    if (!has_api) {
      r.Error(root, "apiVersion", "schema.missing-field", "missing apiVersion",
              "add apiVersion: upgrade-core/v1");
    }
    if (!has_kind) {
      r.Error(root, "kind", "schema.missing-field", "missing kind",
              "add kind: Cluster");
    }
  }
  // A lost node must be one the file names (derived nodes are checked by
  // Simulate(), which knows how many there are).
  if (!spec.cluster.nodes.empty()) {
    std::vector<std::string> known;
    for (const sim::Node& n : spec.cluster.nodes) known.push_back(n.name);
    for (const auto& [at, path] : node_names) {
      const std::string name(at.text());
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        std::vector<absl::string_view> views(known.begin(), known.end());
        r.Error(at, path, "cluster.unknown-name",
                absl::StrCat("the cluster has no node \"", name, "\"",
                             Guess(name, views)));
      }
    }
  }
  if (!r.problems().empty()) {
    const size_t n = r.problems().size();
    return plan::ProblemsToStatus(
        absl::StrCat("invalid cluster ", source, " (", n, " problem",
                     n == 1 ? "" : "s", "):"),
        r.problems());
  }
  return spec;
}

absl::StatusOr<ClusterSpec> LoadCluster(const std::string& path,
                                        const plan::ExecutionPlan* plan) {
  UC_ASSIGN_OR_RETURN(
      std::string text,
      document::ReadFileBounded(path, document::LoadOptions().max_bytes));
  return ClusterFromYaml(text, path, plan);
}

}  // namespace upgrade_core::sim
