// File: values_schema.h
// -----------------------------------------------------------------------------
// A chart's values.schema.json applied the way Helm applies it: to the merged
// values (the chart's defaults with the user's overrides), with a JSON
// Schema validator (valijson: drafts 4 and 7, what Helm's schemas use).
// Each violation is a chart/schema-violation error at the node that breaks
// the schema: the user's file:line:col when the value is the user's, the
// chart's values.yaml otherwise.
//
//   std::vector<diag::Diagnostic> found;
//   UC_RETURN_IF_ERROR(ValidateValuesSchema(schema, merged, &found));
#ifndef UPGRADE_CORE_COMPAT_VALUES_SCHEMA_H_
#define UPGRADE_CORE_COMPAT_VALUES_SCHEMA_H_

#include <vector>

#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::compat {

// Appends one diagnostic per violation to `out`. A schema the validator
// cannot use (not a JSON Schema, a remote $ref) is one chart/schema-unusable
// warning: the values are not checked against it.
void ValidateValuesSchema(const document::Document& schema,
                          const document::Document& merged,
                          std::vector<diag::Diagnostic>* out);

}  // namespace upgrade_core::compat

#endif  // UPGRADE_CORE_COMPAT_VALUES_SCHEMA_H_
