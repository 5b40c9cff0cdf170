// Fuzz target: document loading (upgrade_core/document/document.h).
//
// The whole input is loaded with Document::FromYaml, FromJson and
// FromYamlStream (limits: FuzzLoadOptions()).
//
// Properties, for every document that loads:
//   * JSON round trip: FromJson(ToJson()) Equals() the document and prints
//     the same JSON (see document_properties.h for .inf/.nan);
//   * every node's printed path parses, prints back the same and Find()s
//     that node;
//   * FromYaml and FromYamlStream agree: when FromYaml loads, the stream
//     loads too, to that one tree (or to none when the root is null);
//   * a document Equals() itself loaded a second time.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/document_properties.h"
#include "fuzz/fuzz_check.h"
#include "upgrade_core/document/document.h"

namespace {

using upgrade_core::document::Document;
using upgrade_core::fuzz::CheckJsonRoundTrip;
using upgrade_core::fuzz::CheckPaths;
using upgrade_core::fuzz::FuzzLoadOptions;

void CheckDocument(const Document& doc) {
  CheckJsonRoundTrip(doc);
  CheckPaths(doc.root());
  (void)upgrade_core::document::NodeToDisplay(doc.root());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  upgrade_core::fuzz::CurrentInput() = input;
  const auto options = FuzzLoadOptions();

  absl::StatusOr<Document> yaml = Document::FromYaml(input, "in.yaml", options);
  if (yaml.ok()) {
    CheckDocument(*yaml);
    absl::StatusOr<Document> twice =
        Document::FromYaml(input, "again.yaml", options);
    FUZZ_CHECK(twice.ok() && twice->root().Equals(yaml->root()),
               "loading the same YAML twice gave different trees");
  }

  absl::StatusOr<std::vector<Document>> stream =
      Document::FromYamlStream(input, "in.yaml", options);
  if (stream.ok()) {
    for (const Document& d : *stream) CheckDocument(d);
  }
  if (yaml.ok()) {
    // One document (or none): the stream holds it, or nothing when it is
    // empty. (The converse does not hold: FromYaml rejects a second, empty
    // document that the stream skips.)
    FUZZ_CHECK(stream.ok(), absl::StrCat("FromYaml loaded, FromYamlStream "
                                         "failed: ",
                                         stream.status().ToString()));
    FUZZ_CHECK(stream->size() <= 1,
               absl::StrCat("FromYaml loaded one document, FromYamlStream ",
                            stream->size()));
    if (stream->size() == 1) {
      FUZZ_CHECK(yaml->root().Equals(stream->front().root()),
                 "FromYaml and FromYamlStream gave different trees");
    } else {
      FUZZ_CHECK(yaml->root().is_null(),
                 "FromYamlStream found no document, FromYaml a non-null one");
    }
  }

  absl::StatusOr<Document> json = Document::FromJson(input, "in.json", options);
  if (json.ok()) CheckDocument(*json);
  return 0;
}
