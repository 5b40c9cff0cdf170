// File: document_properties.h
// -----------------------------------------------------------------------------
// Properties every loaded document::Document should have, shared by the
// document and values fuzz targets.
#ifndef UPGRADE_CORE_FUZZ_DOCUMENT_PROPERTIES_H_
#define UPGRADE_CORE_FUZZ_DOCUMENT_PROPERTIES_H_

#include <cstddef>

#include "upgrade_core/document/document.h"

namespace upgrade_core::fuzz {

// Limits for fuzz loads: the defaults allow 50M nodes (aliases counted
// expanded), which ToJson/Diff/Merge would then really expand; a fuzz input
// gets 100k, which still exercises the limit check.
document::LoadOptions FuzzLoadOptions();

// JSON round trip: Document::FromJson(doc.ToJson()) loads and Equals() the
// document, and prints the same JSON again (compact and indented). .inf/.nan
// (and overflowing floats such as 1e400) have no JSON form and are written
// as strings by design: in a document holding one, that value must come back
// as the string of its text, everything else as above.
void CheckJsonRoundTrip(const document::Document& doc);

// Addressability: for up to `max_nodes` nodes, the path printed with
// AppendKey/AppendIndex parses (Path::Parse), prints back the same, and
// root.Find(path) is that node.
void CheckPaths(const document::Node& root, size_t max_nodes = 2000);

}  // namespace upgrade_core::fuzz

#endif  // UPGRADE_CORE_FUZZ_DOCUMENT_PROPERTIES_H_
