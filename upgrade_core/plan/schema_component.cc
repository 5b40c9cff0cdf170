// One component of an UpgradePlan: id, kind, counts, strategy, resources,
// dependencies, readiness, verify checks, retry, config values files (which
// must stay inside the plan's directory), platform requirements, webhook,
// backup, and whether its upgrade is a point of no return (irreversible,
// checkpoint), and the shell commands of its steps.
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/schema_sections.h"
#include "upgrade_core/plan/step_commands.h"

namespace upgrade_core::plan::internal {
namespace {

// `path` made absolute against the current directory and normalized
// lexically ("a/./b/../c" -> "a/c"), without touching the file system.
std::string AbsolutePath(const std::string& path) {
  std::string full = path;
  if (full.empty() || full[0] != '/') {
    char cwd[4096];
    full = absl::StrCat(::getcwd(cwd, sizeof(cwd)) ? cwd : "", "/", path);
  }
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(full, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  return absl::StrCat("/", absl::StrJoin(parts, "/"));
}

// Whether `path` is `dir` or inside it (both absolute and normalized).
bool IsUnder(absl::string_view path, absl::string_view dir) {
  if (dir == "/") return true;
  return path == dir || (absl::StartsWith(path, dir) &&
                         path.size() > dir.size() && path[dir.size()] == '/');
}

// Config files stay inside the plan's directory unless allowed. The check
// is on the path as written, normalized ("a/../../b" leaves): symlinks are
// the plan author's own choice and are followed (Bazel runfiles, mounted
// ConfigMaps and stow-style trees are symlink farms).
bool ConfigPathAllowed(SchemaReader& r, const document::Node& node,
                       const std::string& path, const std::string& file) {
  const std::string resolved = AbsolutePath(r.Resolve(file));
  bool ok = file[0] != '/' &&
            IsUnder(resolved,
                    AbsolutePath(r.base_dir().empty() ? "." : r.base_dir()));
  for (const std::string& dir : r.allowed_dirs()) {
    ok = ok || IsUnder(resolved, AbsolutePath(dir));
  }
  if (ok) return true;
  r.Error(node, path, "config.outside-plan-dir",
          absl::StrCat("config file ", document::NodeToDisplay(node, 120),
                       file[0] == '/' ? " is an absolute path"
                                      : " leaves the plan's directory",
                       "; config files are read only from the plan's "
                       "directory unless allowed explicitly"),
          "move the file next to the plan, or allow its directory "
          "(upgradectl --allow-outside DIR; LoadOptions.allowed_dirs)");
  return false;
}

void ReadStrategy(SchemaReader& r, const document::Node& node,
                  const std::string& path, proto::Strategy* out) {
  *out->mutable_location() = r.Loc(node);
  bool has_type = false;
  r.ForFields(node, path, {"type", "maxSurge", "maxUnavailable"},
              [&](const std::string& key, const document::Node& v,
                  const std::string& p) {
                if (key == "type") {
                  proto::StrategyType t = proto::STRATEGY_TYPE_UNSPECIFIED;
                  if (r.EnumValue(v, p, kStrategies, &t)) out->set_type(t);
                  has_type = true;
                } else if (key == "maxSurge") {
                  r.IntOrPercent(v, p, out->mutable_max_surge());
                } else {
                  r.IntOrPercent(v, p, out->mutable_max_unavailable());
                }
              });
  if (node.is_map() && !has_type) {
    r.Error(node, path, "schema.required", "missing required field \"type\"",
            "one of: RollingUpdate, TerminateFirst, StartFirst, OnDelete");
  }
  if (out->type() != proto::ROLLING_UPDATE &&
      out->type() != proto::STRATEGY_TYPE_UNSPECIFIED &&
      (out->has_max_surge() || out->has_max_unavailable())) {
    r.Error(node, path, "schema.strategy",
            absl::StrCat("maxSurge/maxUnavailable apply only to type "
                         "RollingUpdate, not ",
                         StrategyTypeName(out->type())));
  }
}

void ReadVerify(SchemaReader& r, const document::Node& node,
                const std::string& path, proto::Component* out) {
  if (!node.is_list()) {
    if (!node.is_null()) {
      r.Error(node, path, "schema.type",
              absl::StrCat("expected a list, got ", NodeTypeName(node)));
    }
    return;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string p = absl::StrCat(path, "[", i, "]");
    if (!r.ListEntryIsMap(node.child(i), p)) continue;
    proto::VerifyCheck* check = out->add_verify();
    bool has_name = false;
    r.ForFields(node.child(i), p, {"name", "run", "timeout"},
                [&](const std::string& k, const document::Node& fv,
                    const std::string& fp) {
                  int64_t ms = 0;
                  if (k == "name") {
                    has_name = true;
                    r.String(fv, fp, check->mutable_name());
                  }
                  if (k == "run") r.String(fv, fp, check->mutable_run());
                  if (k == "timeout" &&
                      r.Duration(fv, fp, kMinTimeoutMs, kMaxTimeoutMs, &ms))
                    check->set_timeout_ms(ms);
                });
    if (node.child(i).is_map() && !has_name) {
      r.Error(node.child(i), p, "schema.required",
              "missing required field \"name\"");
    }
  }
}

// One step's command: {run, env, workdir, timeout, retries}.
void ReadCommand(SchemaReader& r, const document::Node& node,
                 const std::string& path, proto::StepCommand* out) {
  *out->mutable_location() = r.Loc(node);
  bool has_run = false;
  const bool ok = r.ForFields(
      node, path, {"run", "env", "workdir", "timeout", "retries"},
      [&](const std::string& k, const document::Node& v, const std::string& p) {
        int64_t n = 0;
        if (k == "run") {
          has_run = true;  // of the wrong type is not also "missing"
          if (r.String(v, p, out->mutable_run()) &&
              out->run().find_first_not_of(" \t\n") == std::string::npos) {
            r.Error(v, p, "schema.range", "\"run\" is empty",
                    "a shell command, run with /bin/sh -c");
          }
        } else if (k == "env") {
          r.StringMap(v, p, out->mutable_env());
        } else if (k == "workdir") {
          std::string dir;
          if (r.String(v, p, &dir)) out->set_workdir(r.Resolve(dir));
        } else if (k == "timeout" &&
                   r.Duration(v, p, kMinTimeoutMs, kMaxTimeoutMs, &n)) {
          out->set_timeout_ms(n);
        } else if (k == "retries" && r.Int(v, p, 0, kMaxAttempts, &n)) {
          out->set_retries(n);
        }
      });
  if (ok && !has_run) {
    r.Error(node, path, "schema.required", "missing required field \"run\"",
            "a shell command, run with /bin/sh -c");
  }
}

// `commands`: a command per step kind (docs/run.md). Returns where
// `backup` was given (to check it against `backup: true`).
std::optional<document::Node> ReadCommands(SchemaReader& r,
                                           const document::Node& node,
                                           const std::string& path,
                                           proto::StepCommands* out) {
  std::optional<document::Node> backup_node;
  std::vector<absl::string_view> keys;
  for (const StepCommandSlot& slot : StepCommandSlots()) {
    keys.push_back(slot.key);
  }
  r.ForFields(
      node, path, keys,
      [&](const std::string& k, const document::Node& v, const std::string& p) {
        proto::StepCommand* c = nullptr;
        for (const StepCommandSlot& slot : StepCommandSlots()) {
          if (k == slot.key) c = (out->*slot.mutable_command)();
        }
        if (k == "backup") backup_node = v;
        if (!v.is_map()) {
          r.Error(v, p, "schema.type",
                  absl::StrCat("expected a mapping {run, env, "
                               "workdir, timeout, retries}, got ",
                               NodeTypeName(v)));
          return;
        }
        ReadCommand(r, v, p, c);
      });
  return backup_node;
}

}  // namespace

void ReadComponent(SchemaReader& r, const document::Node& node,
                   const std::string& path, proto::Component* out) {
  *out->mutable_location() = r.Loc(node);
  std::optional<document::Node>
      replicas_node;  // copies: iterator values are temporaries
  std::optional<document::Node> nodes_node;
  bool kind_ok = true;  // a bad kind must not cascade into count errors
  bool has_id = false;  // an id of the wrong type is not also "missing"
  std::optional<document::Node> checkpoint_node;
  bool irreversible_ok = true;  // a bad value must not cascade
  std::optional<document::Node> backup_command_node;
  bool ok = r.ForFields(
      node, path,
      {"id", "kind", "version", "replicas", "nodes", "strategy", "exclusive",
       "dependsOn", "provides", "readiness", "verify", "retry", "config",
       "requires", "webhook", "backup", "irreversible", "checkpoint",
       "commands"},
      [&](const std::string& key, const document::Node& v,
          const std::string& p) {
        int64_t n = 0;
        if (key == "id") {
          has_id = true;
          if (r.String(v, p, out->mutable_id()) &&
              out->id().size() > kMaxIdLength) {
            r.Error(v, p, "schema.range",
                    absl::StrCat("id \"", ShortText(v), "\" is ",
                                 out->id().size(), " characters long; at most ",
                                 kMaxIdLength, " (a Kubernetes object name)"));
          }
        } else if (key == "kind") {
          proto::ComponentKind k = proto::GENERIC;
          kind_ok = r.EnumValue(v, p, kKinds, &k);
          if (kind_ok) out->set_kind(k);
        } else if (key == "version") {
          ReadVersionChange(r, v, p, out->mutable_version());
        } else if (key == "replicas") {
          replicas_node = v;
          if (r.Int(v, p, 0, kInt32Max, &n)) out->set_replicas(n);
        } else if (key == "nodes") {
          nodes_node = v;
          if (r.Int(v, p, 0, kInt32Max, &n)) out->set_nodes(n);
        } else if (key == "strategy") {
          ReadStrategy(r, v, p, out->mutable_strategy());
        } else if (key == "exclusive") {
          r.StringList(v, p, out->mutable_exclusive(),
                       out->mutable_exclusive_locations());
        } else if (key == "dependsOn") {
          r.StringList(v, p, out->mutable_depends_on(),
                       out->mutable_depends_on_locations());
        } else if (key == "provides") {
          r.StringList(v, p, out->mutable_provides());
        } else if (key == "readiness") {
          r.ForFields(
              v, p, {"timeout", "minReadySeconds"},
              [&](const std::string& k, const document::Node& fv,
                  const std::string& fp) {
                int64_t m = 0;
                if (k == "timeout" &&
                    r.Duration(fv, fp, kMinTimeoutMs, kMaxTimeoutMs, &m)) {
                  out->mutable_readiness()->set_timeout_ms(m);
                }
                if (k == "minReadySeconds" && r.Int(fv, fp, 0, kInt32Max, &m)) {
                  out->mutable_readiness()->set_min_ready_seconds(m);
                }
              });
        } else if (key == "verify") {
          ReadVerify(r, v, p, out);
        } else if (key == "retry") {
          r.ForFields(
              v, p, {"attempts", "backoff"},
              [&](const std::string& k, const document::Node& fv,
                  const std::string& fp) {
                int64_t m = 0;
                if (k == "attempts" && r.Int(fv, fp, 1, kMaxAttempts, &m)) {
                  out->mutable_retry()->set_attempts(m);
                }
                if (k == "backoff" &&
                    r.Duration(fv, fp, 0, kMaxBackoffMs, &m)) {
                  out->mutable_retry()->set_backoff_ms(m);
                }
              });
        } else if (key == "config") {
          proto::ConfigFiles* config = out->mutable_config();
          *config->mutable_location() = r.Loc(v);
          r.ForFields(v, p,
                      {"oldDefaults", "newDefaults", "oldChart", "newChart",
                       "overrides"},
                      [&](const std::string& k, const document::Node& fv,
                          const std::string& fp) {
                        std::string file;
                        if (!r.String(fv, fp, &file)) return;
                        if (!ConfigPathAllowed(r, fv, fp, file)) return;
                        file = r.Resolve(file);
                        if (k == "oldDefaults") config->set_old_defaults(file);
                        if (k == "newDefaults") config->set_new_defaults(file);
                        if (k == "overrides") config->set_overrides(file);
                        if (k == "oldChart") config->set_old_chart(file);
                        if (k == "newChart") config->set_new_chart(file);
                      });
        } else if (key == "requires") {
          r.StringMap(v, p, out->mutable_requires());
        } else if (key == "webhook") {
          proto::WebhookSpec* hook = out->mutable_webhook();
          *hook->mutable_location() = r.Loc(v);
          r.ForFields(v, p, {"failurePolicy", "servedBy"},
                      [&](const std::string& k, const document::Node& fv,
                          const std::string& fp) {
                        if (k == "servedBy")
                          r.String(fv, fp, hook->mutable_served_by());
                        proto::WebhookFailurePolicy f =
                            proto::WEBHOOK_FAILURE_POLICY_UNSPECIFIED;
                        if (k == "failurePolicy" &&
                            r.EnumValue(fv, fp, kWebhookPolicies, &f)) {
                          hook->set_failure_policy(f);
                        }
                      });
        } else if (key == "backup") {
          bool b = false;
          if (r.Bool(v, p, &b)) out->set_backup(b);
        } else if (key == "irreversible") {
          bool b = false;
          irreversible_ok = r.Bool(v, p, &b);
          if (irreversible_ok) out->set_irreversible(b);
        } else if (key == "commands") {
          backup_command_node = ReadCommands(r, v, p, out->mutable_commands());
        } else if (key == "checkpoint") {
          bool b = false;
          if (r.Bool(v, p, &b)) {
            out->set_checkpoint(b);
            checkpoint_node = v;
          }
        }
      });
  if (!ok) return;
  // A checkpoint is where a plan accepts that the upgrade cannot be undone;
  // on a component that can be rolled back it would promise nothing, and
  // most likely `irreversible: true` was forgotten (or misspelt).
  if (out->checkpoint() && !out->irreversible() && irreversible_ok) {
    r.Error(*checkpoint_node, absl::StrCat(path, ".checkpoint"),
            "schema.checkpoint",
            "\"checkpoint: true\" marks an irreversible component as the "
            "plan's point of no return, but this component is not "
            "irreversible",
            "add \"irreversible: true\" if its upgrade cannot be rolled back "
            "(e.g. a CRD storage-version migration), or remove checkpoint");
  }
  // Without `backup: true` the plan has no backup step to run it in: the
  // command would silently never run.
  if (backup_command_node.has_value() && !out->backup()) {
    r.Error(*backup_command_node, absl::StrCat(path, ".commands.backup"),
            "schema.commands",
            "a backup command is given but the component has no backup step",
            "add \"backup: true\" to the component, or remove the command");
  }
  if (!has_id) {
    r.Error(node, path, "schema.required", "missing required field \"id\"");
  }
  if (out->kind() == proto::COMPONENT_KIND_UNSPECIFIED) {
    out->set_kind(proto::GENERIC);
  }
  if (!kind_ok) return;
  if (out->kind() == proto::DAEMON_SET && replicas_node.has_value()) {
    r.Error(
        *replicas_node, absl::StrCat(path, ".replicas"), "schema.count",
        "a DaemonSet runs one pod per node: give \"nodes\", not \"replicas\"",
        "replace replicas: with nodes:");
  }
  if (out->kind() != proto::DAEMON_SET && nodes_node.has_value()) {
    r.Error(*nodes_node, absl::StrCat(path, ".nodes"), "schema.count",
            absl::StrCat("\"nodes\" is for DaemonSets; a ",
                         ComponentKindName(out->kind()), " has \"replicas\""),
            "replace nodes: with replicas:");
  }
  if (out->has_webhook() && out->kind() != proto::WEBHOOK) {
    r.Error(node, absl::StrCat(path, ".webhook"), "schema.webhook",
            "\"webhook\" is only valid for components of kind Webhook");
  }
}

}  // namespace upgrade_core::plan::internal
