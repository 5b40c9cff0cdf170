// File: schema_sections.h
// -----------------------------------------------------------------------------
// INTERNAL to upgrade_core/plan: not part of the public API (in the `plan`
// target's srcs). The sections of the UpgradePlan schema, each a free
// function that walks one part of the document into the proto through a
// SchemaReader (schema_reader.h), recording problems there.
#ifndef UPGRADE_CORE_PLAN_SCHEMA_SECTIONS_H_
#define UPGRADE_CORE_PLAN_SCHEMA_SECTIONS_H_

#include <string>

#include "upgrade_core/document/document.h"
#include "upgrade_core/plan/schema_reader.h"
#include "upgrade_core/proto/plan.pb.h"

namespace upgrade_core::plan::internal {

// schema_document.cc: the whole plan (apiVersion, kind, metadata, context,
// policy, components), and the required fields at the top.
void ReadPlanDocument(SchemaReader& r, const document::Node& root,
                      proto::UpgradePlan* out);

// schema_document.cc: {from, to, allowDowngrade} (a context platform, a
// component's version).
void ReadVersionChange(SchemaReader& r, const document::Node& node,
                       const std::string& path, proto::VersionChange* out);

// schema_component.cc: one entry of `components` (its strategy, readiness,
// verify checks, retry, config files, webhook...).
void ReadComponent(SchemaReader& r, const document::Node& node,
                   const std::string& path, proto::Component* out);

}  // namespace upgrade_core::plan::internal

#endif  // UPGRADE_CORE_PLAN_SCHEMA_SECTIONS_H_
