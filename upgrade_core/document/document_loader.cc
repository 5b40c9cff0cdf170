// YAML and JSON loading: libyaml's event parser feeds a DocumentBuilder
// directly (no intermediate tree), enforcing the LoadOptions limits as it
// goes. libyaml is the parser go-yaml (and so Helm) was ported from, so
// documents parse the way Helm parses them.
#include <yaml.h>

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/document/document_data.h"
#include "upgrade_core/document/file_reader.h"
#include "upgrade_core/document/scalar_resolution.h"
#include "upgrade_core/util/json_string.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::document {
namespace {
constexpr absl::string_view kTagPrefix = "tag:yaml.org,2002:";

}  // namespace

// Drives one libyaml parser over a text, producing one Document per YAML
// document.
class YamlEventLoader {
 public:
  YamlEventLoader(absl::string_view text, absl::string_view source,
                  const LoadOptions& options, bool json)
      : text_(text), source_(source), options_(options), json_(json) {}

  absl::Status Run(bool stream, std::vector<Document>* out) {
    if (options_.max_depth < 1 ||
        options_.max_depth > LoadOptions::kMaxDepthLimit) {
      return absl::InvalidArgumentError(absl::StrCat(
          "LoadOptions.max_depth must be between 1 and ",
          LoadOptions::kMaxDepthLimit, ", got ", options_.max_depth,
          " (operations on documents recurse once per level)"));
    }
    if (text_.size() > options_.max_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_, ": input is ", text_.size(), " bytes, over the limit of ",
          options_.max_bytes, " (LoadOptions.max_bytes)"));
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
      return absl::ResourceExhaustedError("libyaml: out of memory");
    }
    yaml_parser_set_input_string(
        &parser, reinterpret_cast<const unsigned char*>(text_.data()),
        text_.size());
    absl::Status status = Loop(&parser, stream, out);
    yaml_parser_delete(&parser);
    return status;
  }

 private:
  struct Anchor {
    uint32_t node;
    uint64_t size;  // nodes in the subtree, aliases expanded
    bool complete;
  };

  absl::Status Error(const yaml_mark_t& mark, absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_, ":", mark.line + 1, ":", mark.column + 1, ": ", what));
  }

  // libyaml's reader (encoding, invalid UTF-8, control characters such as
  // NUL) reports a byte offset, not a mark: turn it into line and column
  // (columns count characters, as libyaml's marks do).
  absl::Status ReaderError(const yaml_parser_t& p) {
    const size_t offset = std::min(p.problem_offset, text_.size());
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset; ++i) {
      if (text_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    int column = 1;
    for (size_t i = line_start; i < offset; ++i) {
      // Count characters: skip UTF-8 continuation bytes.
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
    }
    std::string what = p.problem ? p.problem : "unreadable input";
    if (p.problem_value >= 0) {
      absl::StrAppend(&what, " (#x", absl::Hex(p.problem_value), ")");
    }
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ":", line, ":", column, ": ",
                     json_ ? "invalid JSON: " : "invalid YAML: ", what));
  }

  absl::Status ParserError(const yaml_parser_t& p) {
    if (p.error == YAML_READER_ERROR) return ReaderError(p);
    std::string what = p.problem ? p.problem : "malformed input";
    if (p.context) {
      what = absl::StrCat(what, " (", p.context, " at line ",
                          p.context_mark.line + 1, " column ",
                          p.context_mark.column + 1, ")");
    }
    return absl::InvalidArgumentError(absl::StrCat(
        source_, ":", p.problem_mark.line + 1, ":", p.problem_mark.column + 1,
        ": ", json_ ? "invalid JSON: " : "invalid YAML: ", what));
  }

  absl::Status Count(uint64_t n, const yaml_mark_t& mark) {
    total_ += n;
    if (!counts_.empty()) counts_.back() += n;
    if (total_ > options_.max_nodes) {
      return Error(mark, absl::StrCat("document expands to more than ",
                                      options_.max_nodes,
                                      " nodes (LoadOptions.max_nodes); "
                                      "aliases count as full copies"));
    }
    return absl::OkStatus();
  }

  DocumentBuilder::Impl& B() { return *builder_->impl_; }

  bool ExpectingKey() {
    DocumentBuilder::Impl& b = B();
    return b.depth > 0 && b.frames[b.depth - 1].is_map &&
           !b.frames[b.depth - 1].has_key;
  }

  absl::Status CheckDuplicates(const yaml_mark_t& mark) {
    DocumentBuilder::Impl& b = B();
    const auto& entries = b.frames[b.depth - 1].entries;
    const internal::DocumentData& d = *b.data;
    auto key = [&](const internal::Entry& e) {
      return d.Text(e.key_offset, e.key_length);
    };
    auto dup_error = [&](const internal::Entry& e) {
      yaml_mark_t m = mark;
      m.line = e.key_line - 1;
      m.column = e.key_column - 1;
      return Error(m, absl::StrCat("duplicate key '", key(e), "'"));
    };
    if (entries.size() <= 8) {
      for (size_t i = 1; i < entries.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
          if (key(entries[i]) == key(entries[j])) return dup_error(entries[i]);
        }
      }
      return absl::OkStatus();
    }
    std::vector<uint32_t> order(entries.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
      absl::string_view a = key(entries[x]), c = key(entries[y]);
      return a < c || (a == c && x < y);
    });
    for (size_t i = 1; i < order.size(); ++i) {
      if (key(entries[order[i]]) == key(entries[order[i - 1]])) {
        return dup_error(entries[order[i]]);
      }
    }
    return absl::OkStatus();
  }

  // `<<: *x` merges a map, or a list of maps, into the mapping (go-yaml's
  // rule). Anything else is an error, never silently dropped.
  absl::Status CheckMergeKeys(const yaml_mark_t& mark) {
    DocumentBuilder::Impl& b = B();
    const auto& frame = b.frames[b.depth - 1];
    if (!frame.has_merge_key) return absl::OkStatus();
    const internal::DocumentData& d = *b.data;
    for (const internal::Entry& e : frame.entries) {
      if (d.Text(e.key_offset, e.key_length) != "<<") continue;
      const internal::NodeRec& v = d.nodes[e.node];
      bool ok = v.kind == NodeKind::kMap;
      if (v.kind == NodeKind::kList) {
        ok = true;
        for (uint32_t i = 0; i < v.b; ++i) {
          ok = ok && d.nodes[d.entries[v.a + i].node].kind == NodeKind::kMap;
        }
      }
      if (ok) continue;
      yaml_mark_t at = mark;
      at.line = e.key_line - 1;
      at.column = e.key_column - 1;
      return Error(at, absl::StrCat("merge key '<<' needs a map or a list of "
                                    "maps, got ",
                                    v.kind == NodeKind::kList
                                        ? "a list with a non-map element"
                                        : NodeKindName(v.kind)));
    }
    return absl::OkStatus();
  }

  absl::Status OnScalar(const yaml_event_t& ev) {
    const auto& sc = ev.data.scalar;
    absl::string_view value(reinterpret_cast<const char*>(sc.value), sc.length);
    const int line = ev.start_mark.line + 1;
    const int column = ev.start_mark.column + 1;
    if (ExpectingKey()) {
      if (json_ && sc.style != YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
        return Error(ev.start_mark,
                     "invalid JSON: object keys must be double-quoted strings");
      }
      B().SetKey(value, 0, line, column);
      if (sc.style == YAML_PLAIN_SCALAR_STYLE && value == "<<") {
        B().frames[B().depth - 1].has_merge_key = true;
      }
      if (sc.anchor) {
        return Error(ev.start_mark, "anchors on map keys are not supported");
      }
      return absl::OkStatus();
    }
    NodeKind kind = NodeKind::kString;
    absl::string_view tag = sc.tag ? reinterpret_cast<const char*>(sc.tag) : "";
    if (json_) {
      if (sc.style == YAML_PLAIN_SCALAR_STYLE) {
        absl::StatusOr<NodeKind> k = internal::ResolveJson(value);
        if (!k.ok()) return Error(ev.start_mark, k.status().message());
        kind = *k;
      } else if (sc.style != YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
        return Error(ev.start_mark,
                     "invalid JSON: strings must be double-quoted");
      }
    } else if (absl::StartsWith(tag, kTagPrefix)) {
      absl::string_view t = tag.substr(kTagPrefix.size());
      if (t == "str" || t == "binary" || t == "timestamp") {
        kind = NodeKind::kString;
      } else if (t == "null") {
        kind = NodeKind::kNull;
      } else if (t == "bool" || t == "int" || t == "float") {
        kind = internal::ResolvePlain(value);
        NodeKind want = t == "bool"  ? NodeKind::kBool
                        : t == "int" ? NodeKind::kInt
                                     : NodeKind::kFloat;
        if (want == NodeKind::kFloat && kind == NodeKind::kInt) {
          kind = NodeKind::kFloat;
        }
        if (kind != want) {
          return Error(ev.start_mark,
                       absl::StrCat("'", value, "' is not a valid !!", t));
        }
      } else {
        return Error(ev.start_mark,
                     absl::StrCat("unsupported tag !!", t, " on a scalar"));
      }
    } else if (sc.style == YAML_PLAIN_SCALAR_STYLE) {
      kind = internal::ResolvePlain(value);
    }
    UC_RETURN_IF_ERROR(Count(1, ev.start_mark));
    uint32_t id = B().AddScalar(kind, value, 0, line, column);
    if (sc.anchor) {
      anchors_[reinterpret_cast<const char*>(sc.anchor)] = Anchor{id, 1, true};
    }
    return absl::OkStatus();
  }

  absl::Status Loop(yaml_parser_t* parser, bool stream,
                    std::vector<Document>* out) {
    yaml_event_t ev;
    bool in_doc = false;
    yaml_mark_t doc_mark = {};
    while (true) {
      if (!yaml_parser_parse(parser, &ev)) return ParserError(*parser);
      absl::Status status = Handle(ev, stream, out, &in_doc, &doc_mark);
      bool done = ev.type == YAML_STREAM_END_EVENT;
      yaml_event_delete(&ev);
      UC_RETURN_IF_ERROR(status);
      if (done) break;
    }
    return absl::OkStatus();
  }

  absl::Status Handle(const yaml_event_t& ev, bool stream,
                      std::vector<Document>* out, bool* in_doc,
                      yaml_mark_t* doc_mark) {
    switch (ev.type) {
      case YAML_DOCUMENT_START_EVENT:
        builder_ = std::make_unique<DocumentBuilder>(source_);
        anchors_.clear();
        counts_.clear();
        anchor_names_.clear();
        total_ = 0;
        *doc_mark = ev.start_mark;
        return absl::OkStatus();
      case YAML_DOCUMENT_END_EVENT: {
        Document doc = std::move(*builder_).Finish();
        builder_.reset();
        if (doc.root().is_null() && (stream || docs_seen_ > 0)) {
          return absl::OkStatus();  // `---` with nothing after it
        }
        if (!stream && docs_seen_ > 0) {
          return Error(*doc_mark,
                       "expected one YAML document but found another (`---`)");
        }
        ++docs_seen_;
        if (!stream && !out->empty()) out->clear();
        out->push_back(std::move(doc));
        return absl::OkStatus();
      }
      case YAML_SCALAR_EVENT:
        return OnScalar(ev);
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        const bool is_map = ev.type == YAML_MAPPING_START_EVENT;
        if (ExpectingKey()) {
          return Error(ev.start_mark,
                       "complex map keys (maps or lists as keys) are not "
                       "supported");
        }
        if (json_) {
          bool flow =
              is_map ? ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                     : ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
          if (!flow) return Error(ev.start_mark, "invalid JSON: block style");
        }
        if (static_cast<int>(B().depth) + 1 > options_.max_depth) {
          return Error(ev.start_mark,
                       absl::StrCat("nesting deeper than ", options_.max_depth,
                                    " levels (LoadOptions.max_depth)"));
        }
        UC_RETURN_IF_ERROR(Count(1, ev.start_mark));
        counts_.push_back(1);
        const unsigned char* anchor = is_map ? ev.data.mapping_start.anchor
                                             : ev.data.sequence_start.anchor;
        B().Begin(is_map, 0, ev.start_mark.line + 1, ev.start_mark.column + 1);
        std::string name = anchor ? reinterpret_cast<const char*>(anchor) : "";
        if (!name.empty()) {
          anchors_[name] = Anchor{B().frames[B().depth - 1].node, 0, false};
        }
        anchor_names_.push_back(std::move(name));
        return absl::OkStatus();
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        if (ev.type == YAML_MAPPING_END_EVENT &&
            !options_.allow_duplicate_keys) {
          UC_RETURN_IF_ERROR(CheckDuplicates(ev.start_mark));
        }
        if (ev.type == YAML_MAPPING_END_EVENT) {
          UC_RETURN_IF_ERROR(CheckMergeKeys(ev.start_mark));
        }
        uint64_t size = counts_.back();
        counts_.pop_back();
        if (!counts_.empty()) counts_.back() += size;
        B().End();
        if (!anchor_names_.back().empty()) {
          Anchor& a = anchors_[anchor_names_.back()];
          a.size = size;
          a.complete = true;
        }
        anchor_names_.pop_back();
        return absl::OkStatus();
      }
      case YAML_ALIAS_EVENT: {
        if (!options_.allow_aliases || json_) {
          return Error(ev.start_mark, "aliases are not allowed here");
        }
        std::string name = reinterpret_cast<const char*>(ev.data.alias.anchor);
        auto it = anchors_.find(name);
        if (it == anchors_.end()) {
          return Error(ev.start_mark,
                       absl::StrCat("unknown anchor '", name, "'"));
        }
        if (!it->second.complete) {
          return Error(ev.start_mark,
                       absl::StrCat("alias '", name,
                                    "' refers to a node that contains it"));
        }
        const internal::NodeRec& target = B().data->nodes[it->second.node];
        if (ExpectingKey()) {
          if (target.kind == NodeKind::kMap || target.kind == NodeKind::kList) {
            return Error(ev.start_mark, "complex map keys are not supported");
          }
          B().SetKey(B().data->Text(target.a, target.b), 0,
                     ev.start_mark.line + 1, ev.start_mark.column + 1);
          return absl::OkStatus();
        }
        UC_RETURN_IF_ERROR(Count(it->second.size, ev.start_mark));
        // The tree is immutable, so an alias shares the anchored subtree.
        B().Attach(it->second.node);
        return absl::OkStatus();
      }
      case YAML_STREAM_START_EVENT:
      case YAML_STREAM_END_EVENT:
      case YAML_NO_EVENT:
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  absl::string_view text_;
  std::string source_;
  LoadOptions options_;
  bool json_;
  std::unique_ptr<DocumentBuilder> builder_;
  absl::flat_hash_map<std::string, Anchor> anchors_;
  std::vector<uint64_t> counts_;
  std::vector<std::string> anchor_names_;
  uint64_t total_ = 0;
  int docs_seen_ = 0;
};

absl::StatusOr<Document> Document::FromYaml(absl::string_view text,
                                            absl::string_view source,
                                            const LoadOptions& options) {
  std::vector<Document> docs;
  YamlEventLoader loader(text, source, options, /*json=*/false);
  UC_RETURN_IF_ERROR(loader.Run(/*stream=*/false, &docs));
  if (docs.empty()) {
    DocumentBuilder b(source);
    return std::move(b).Finish();
  }
  return std::move(docs[0]);
}

absl::StatusOr<std::vector<Document>> Document::FromYamlStream(
    absl::string_view text, absl::string_view source,
    const LoadOptions& options) {
  std::vector<Document> docs;
  YamlEventLoader loader(text, source, options, /*json=*/false);
  UC_RETURN_IF_ERROR(loader.Run(/*stream=*/true, &docs));
  return docs;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of a `\uXXXX` escape at text[i], or -1.
int Utf16Escape(absl::string_view text, size_t i) {
  if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') return -1;
  int v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    int h = HexValue(text[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// JSON writes characters beyond the BMP as UTF-16 surrogate pairs
// (`\ud83d\ude00`), which YAML does not accept; rewrite each pair as YAML's
// `\U0001F600`. Columns after a rewritten pair on the same line shift left
// by two. Returns false when there was nothing to rewrite.
bool RewriteSurrogatePairs(absl::string_view text, std::string* out) {
  bool changed = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 >= text.size()) {
      if (changed) out->push_back(text[i]);
      continue;
    }
    int hi = Utf16Escape(text, i);
    int lo = hi >= 0xD800 && hi <= 0xDBFF ? Utf16Escape(text, i + 6) : -1;
    if (lo >= 0xDC00 && lo <= 0xDFFF) {
      if (!changed) {
        out->assign(text.data(), i);
        changed = true;
      }
      int cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
      absl::StrAppend(out, "\\U", absl::Hex(cp, absl::kZeroPad8));
      i += 11;
      continue;
    }
    // Any other escape: copy both characters so `\\u...` stays literal.
    if (changed) {
      out->push_back(text[i]);
      out->push_back(text[i + 1]);
    }
    ++i;
  }
  return changed;
}

}  // namespace

namespace {

// libyaml (a YAML reader) refuses some characters raw, or changes them
// (YamlUnsafeChar, util/json_string.h); JSON
// allows them raw in strings (RFC 8259 escapes only U+0000-U+001F). Writes
// them as `\uXXXX` escapes, which mean the same in both. Returns false when
// there was nothing to rewrite. Columns after a rewritten character on its
// line shift right.
bool EscapeYamlOnlyForbidden(absl::string_view text, std::string* out) {
  bool changed = false;
  for (size_t i = 0; i < text.size();) {
    size_t length = 0;
    const int cp = YamlUnsafeChar(text, i, &length);
    if (cp < 0) {
      if (changed) out->push_back(text[i]);
      ++i;
      continue;
    }
    if (!changed) {
      out->assign(text.data(), i);
      changed = true;
    }
    absl::StrAppend(out, "\\u", absl::Hex(cp, absl::kZeroPad4));
    i += length;
  }
  return changed;
}

}  // namespace

absl::StatusOr<Document> Document::FromJson(absl::string_view text,
                                            absl::string_view source,
                                            const LoadOptions& options) {
  std::vector<Document> docs;
  std::string rewritten, escaped;
  if (text.find("\\u") != absl::string_view::npos &&
      RewriteSurrogatePairs(text, &rewritten)) {
    text = rewritten;
  }
  if (EscapeYamlOnlyForbidden(text, &escaped)) text = escaped;
  YamlEventLoader loader(text, source, options, /*json=*/true);
  UC_RETURN_IF_ERROR(loader.Run(/*stream=*/false, &docs));
  if (docs.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":1:1: invalid JSON: empty input"));
  }
  return std::move(docs[0]);
}

namespace {
// How a file is named in locations: standard input has no path.
std::string SourceName(const std::string& path) {
  return path == "-" ? "<stdin>" : path;
}
}  // namespace

absl::StatusOr<Document> Document::FromFile(const std::string& path,
                                            const LoadOptions& options) {
  UC_ASSIGN_OR_RETURN(std::string text,
                      document::ReadFileBounded(path, options.max_bytes));
  if (absl::EndsWith(path, ".json")) {
    return FromJson(text, SourceName(path), options);
  }
  return FromYaml(text, SourceName(path), options);
}

absl::StatusOr<std::vector<Document>> Document::StreamFromFile(
    const std::string& path, const LoadOptions& options) {
  UC_ASSIGN_OR_RETURN(std::string text,
                      document::ReadFileBounded(path, options.max_bytes));
  if (absl::EndsWith(path, ".json")) {
    UC_ASSIGN_OR_RETURN(Document d, FromJson(text, SourceName(path), options));
    std::vector<Document> v;
    v.push_back(std::move(d));
    return v;
  }
  return FromYamlStream(text, SourceName(path), options);
}

}  // namespace upgrade_core::document
