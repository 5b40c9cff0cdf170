// The top level of an UpgradePlan: apiVersion, kind, metadata, context
// (platform versions), policy (parallelism, failure policy, availability
// floors, default timeout) and the list of components.
#include <string>

#include "absl/strings/str_cat.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/schema_sections.h"

namespace upgrade_core::plan::internal {
namespace {

void ReadMetadata(SchemaReader& r, const document::Node& node,
                  const std::string& path, proto::PlanMetadata* out) {
  r.ForFields(node, path, {"name", "description", "labels"},
              [&](const std::string& key, const document::Node& v,
                  const std::string& p) {
                if (key == "name") r.String(v, p, out->mutable_name());
                if (key == "description")
                  r.String(v, p, out->mutable_description());
                if (key == "labels") r.StringMap(v, p, out->mutable_labels());
              });
}

void ReadContext(SchemaReader& r, const document::Node& node,
                 const std::string& path, proto::PlanContext* out) {
  if (node.is_null()) return;
  if (!node.is_map()) {
    r.Error(node, path, "schema.type",
            absl::StrCat("expected a mapping of platform: {from, to}, got ",
                         NodeTypeName(node)));
    return;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string platform(node.key(i));
    ReadVersionChange(r, node.child(i), absl::StrCat(path, ".", platform),
                      &(*out->mutable_platforms())[platform]);
  }
}

void ReadPolicy(SchemaReader& r, const document::Node& node,
                const std::string& path, proto::Policy* out) {
  r.ForFields(
      node, path,
      {"maxParallel", "onFailure", "availability", "defaultTimeout"},
      [&](const std::string& key, const document::Node& v,
          const std::string& p) {
        int64_t n = 0;
        if (key == "maxParallel" && r.Int(v, p, 0, kInt32Max, &n))
          out->set_max_parallel(n);
        if (key == "onFailure") {
          proto::FailurePolicy f = proto::FAILURE_POLICY_UNSPECIFIED;
          if (r.EnumValue(v, p, kFailurePolicies, &f)) out->set_on_failure(f);
        }
        if (key == "defaultTimeout" &&
            r.Duration(v, p, kMinTimeoutMs, kMaxTimeoutMs, &n)) {
          out->set_default_timeout_ms(n);
        }
        if (key == "availability") {
          if (!v.is_list()) {
            if (!v.is_null()) {
              r.Error(v, p, "schema.type",
                      absl::StrCat("expected a list, got ", NodeTypeName(v)));
            }
            return;
          }
          for (size_t i = 0; i < v.size(); ++i) {
            const std::string ip = absl::StrCat(p, "[", i, "]");
            if (!r.ListEntryIsMap(v.child(i), ip)) continue;
            proto::AvailabilityFloor* floor = out->add_availability();
            *floor->mutable_location() = r.Loc(v.child(i));
            bool has_service = false, has_min = false;
            r.ForFields(
                v.child(i), ip, {"service", "minAvailable"},
                [&](const std::string& k, const document::Node& fv,
                    const std::string& fp) {
                  if (k == "service") {
                    has_service = r.String(fv, fp, floor->mutable_service());
                  } else {
                    has_min = true;
                    r.IntOrPercent(fv, fp, floor->mutable_min_available());
                  }
                });
            if (v.child(i).is_map() && !has_service) {
              r.Error(v.child(i), ip, "schema.required",
                      "missing required field \"service\"");
            }
            if (v.child(i).is_map() && !has_min) {
              r.Error(v.child(i), ip, "schema.required",
                      "missing required field \"minAvailable\"");
            }
          }
        }
      });
}

}  // namespace

void ReadVersionChange(SchemaReader& r, const document::Node& node,
                       const std::string& path, proto::VersionChange* out) {
  r.ForFields(
      node, path, {"from", "to", "allowDowngrade"},
      [&](const std::string& key, const document::Node& v,
          const std::string& p) {
        if (key == "allowDowngrade") {
          bool allow = false;
          if (r.Bool(v, p, &allow)) out->set_allow_downgrade(allow);
          return;
        }
        r.String(v, p, key == "from" ? out->mutable_from() : out->mutable_to());
      });
}

void ReadPlanDocument(SchemaReader& r, const document::Node& root,
                      proto::UpgradePlan* out) {
  bool has_components = false;
  bool has_api = false, has_kind = false;
  if (!r.ForFields(
          root, "",
          {"apiVersion", "kind", "metadata", "context", "policy", "components"},
          [&](const std::string& key, const document::Node& v,
              const std::string& p) {
            if (key == "apiVersion") {
              has_api = true;
              if (r.String(v, p, out->mutable_api_version()) &&
                  out->api_version() != kPlanApiVersion) {
                r.Error(v, p, "schema.api-version",
                        absl::StrCat("unsupported apiVersion \"",
                                     out->api_version(), "\""),
                        absl::StrCat("use apiVersion: ", kPlanApiVersion));
              }
            } else if (key == "kind") {
              has_kind = true;
              if (r.String(v, p, out->mutable_kind()) &&
                  out->kind() != kPlanKind) {
                r.Error(v, p, "schema.kind",
                        absl::StrCat("kind must be ", kPlanKind, ", got \"",
                                     out->kind(), "\""));
              }
            } else if (key == "metadata") {
              ReadMetadata(r, v, p, out->mutable_metadata());
            } else if (key == "context") {
              ReadContext(r, v, p, out->mutable_context());
            } else if (key == "policy") {
              ReadPolicy(r, v, p, out->mutable_policy());
            } else {
              has_components = true;
              if (!v.is_list() && !v.is_null()) {
                r.Error(v, p, "schema.type",
                        absl::StrCat("expected a list, got ", NodeTypeName(v)));
                return;
              }
              for (size_t i = 0; i < v.size(); ++i) {
                const std::string ip = absl::StrCat("components[", i, "]");
                if (!r.ListEntryIsMap(v.child(i), ip)) continue;
                ReadComponent(r, v.child(i), ip, out->add_components());
              }
            }
          })) {
    if (root.is_null()) {
      r.Error(root, "", "schema.empty", "the plan is empty");
    }
    return;
  }
  if (!has_api) {
    r.Error(root, "", "schema.required",
            "missing required field \"apiVersion\"",
            absl::StrCat("add apiVersion: ", kPlanApiVersion));
  }
  if (!has_kind) {
    r.Error(root, "", "schema.required", "missing required field \"kind\"",
            absl::StrCat("add kind: ", kPlanKind));
  }
  if (!has_components || out->components_size() == 0) {
    r.Error(root, "components", "schema.required",
            "a plan needs at least one component");
  }
}

}  // namespace upgrade_core::plan::internal
