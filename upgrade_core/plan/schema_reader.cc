// SchemaReader: the value readers the UpgradePlan schema walk shares.
#include "upgrade_core/plan/schema_reader.h"

#include <algorithm>
#include <limits>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/plan/plan.h"

namespace upgrade_core::plan::internal {
namespace {

std::string Text(const document::Node& node) {
  return std::string(node.text());
}

// `-?(0|[1-9][0-9]*)`: the only integer spelling a plan accepts.
bool IsPlainDecimal(absl::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty() || (s[0] == '0' && s.size() > 1)) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

absl::string_view NodeTypeName(const document::Node& node) {
  switch (node.kind()) {
    case document::NodeKind::kMap:
      return "a mapping";
    case document::NodeKind::kList:
      return "a list";
    case document::NodeKind::kNull:
      return "null";
    default:
      return "a scalar";
  }
}

bool IsScalar(const document::Node& node) {
  return node.is_scalar() && !node.is_null();
}

std::string Shorten(absl::string_view text) {
  return document::TruncateForDisplay(text, 40);
}

std::string ShortText(const document::Node& node) {
  return Shorten(node.text());
}

std::string SchemaReader::Resolve(const std::string& file) const {
  if (base_dir_.empty() || file.empty() || file[0] == '/') return file;
  return absl::StrCat(base_dir_, "/", file);
}

proto::SourceLocation SchemaReader::Loc(const document::Location& where) const {
  proto::SourceLocation loc;
  loc.set_file(file_);
  if (line_numbers_ && where.line > 0) {
    loc.set_line(where.line);
    loc.set_column(where.column);
  }
  return loc;
}

bool SchemaReader::String(const document::Node& node, const std::string& path,
                          std::string* out) {
  if (node.kind() != document::NodeKind::kString) {
    if (IsScalar(node)) {
      Error(node, path, "schema.type",
            absl::StrCat("expected a string, got ",
                         document::NodeKindName(node.kind()), " ",
                         ShortText(node)),
            absl::StrCat("quote it (\"", ShortText(node),
                         "\") if you mean the text"));
    } else {
      Error(node, path, "schema.type",
            absl::StrCat("expected a string, got ", NodeTypeName(node)));
    }
    return false;
  }
  *out = Text(node);
  return true;
}

bool SchemaReader::Int(const document::Node& node, const std::string& path,
                       int64_t min, int64_t max, int64_t* out) {
  int64_t value = 0;
  // Only a plain decimal integer: "3" (quoted) is a string.
  if (node.kind() != document::NodeKind::kInt || !IsPlainDecimal(node.text()) ||
      !absl::SimpleAtoi(node.text(), &value)) {
    std::string hint;
    if (node.kind() == document::NodeKind::kInt) {
      hint =
          "write a plain decimal number: leading zeros, 0x, 0o, 0b and "
          "_ are not accepted in plans (YAML 1.1 would read 0755 as "
          "octal 493)";
    }
    Error(
        node, path, "schema.type",
        absl::StrCat("expected a decimal integer, got ",
                     IsScalar(node) ? absl::StrCat("\"", ShortText(node), "\"")
                                    : std::string(NodeTypeName(node))),
        hint);
    return false;
  }
  if (value < min || value > max) {
    Error(node, path, "schema.range",
          absl::StrCat("must be between ", min, " and ", max, ", got ",
                       ShortText(node)));
    return false;
  }
  *out = value;
  return true;
}

bool SchemaReader::Bool(const document::Node& node, const std::string& path,
                        bool* out) {
  if (node.kind() == document::NodeKind::kBool) {
    const std::string v = absl::AsciiStrToLower(Text(node));
    if (v == "true") return *out = true, true;
    if (v == "false") return *out = false, true;
  }
  Error(node, path, "schema.type",
        absl::StrCat("expected true or false, got ",
                     node.kind() == document::NodeKind::kString
                         ? absl::StrCat("\"", ShortText(node), "\"")
                     : IsScalar(node) ? ShortText(node)
                                      : std::string(NodeTypeName(node))),
        node.kind() == document::NodeKind::kBool
            ? "write true or false: YAML 1.1 reads yes/no/on/off as "
              "booleans, YAML 1.2 as strings"
            : "");
  return false;
}

bool SchemaReader::Duration(const document::Node& node, const std::string& path,
                            int64_t min_ms, int64_t max_ms, int64_t* out_ms) {
  std::string text;
  if (node.kind() == document::NodeKind::kInt) {
    int64_t unused = 0;
    if (!Int(node, path, 0, std::numeric_limits<int64_t>::max(), &unused)) {
      return false;
    }
    text = Text(node);
  } else if (!String(node, path, &text)) {
    return false;
  }
  absl::StatusOr<int64_t> ms = ParseDurationMs(text);
  if (!ms.ok()) {
    Error(node, path, "schema.duration", std::string(ms.status().message()),
          "write a duration such as 90s, 2m30s, 500ms or 1h");
    return false;
  }
  if (*ms < min_ms || *ms > max_ms) {
    Error(node, path, "schema.range",
          absl::StrCat("duration \"", ShortText(node), "\" is out of range: ",
                       "must be between ", FormatDurationMs(min_ms), " and ",
                       FormatDurationMs(max_ms)));
    return false;
  }
  *out_ms = *ms;
  return true;
}

void SchemaReader::IntOrPercent(const document::Node& node,
                                const std::string& path,
                                proto::IntOrString* out) {
  if (!IsScalar(node)) {
    Error(node, path, "schema.type",
          absl::StrCat("expected an integer or a percentage such as "
                       "\"25%\", got ",
                       NodeTypeName(node)));
    return;
  }
  if (node.kind() == document::NodeKind::kInt) {
    int64_t value = 0;
    if (Int(node, path, -kInt32Max, kInt32Max, &value)) {
      out->set_int_value(value);  // the sign: the rollout rules' to judge
    }
  } else if (node.kind() == document::NodeKind::kString) {
    out->set_str_value(Text(node));  // validated by the rollout rules
  } else {
    String(node, path, nullptr);  // reports the type error
  }
}

void SchemaReader::StringList(
    const document::Node& node, const std::string& path,
    google::protobuf::RepeatedPtrField<std::string>* out,
    google::protobuf::RepeatedPtrField<proto::SourceLocation>* locations) {
  if (node.is_null()) return;
  if (!node.is_list()) {
    Error(node, path, "schema.type",
          absl::StrCat("expected a list, got ", NodeTypeName(node)));
    return;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    std::string value;
    if (String(node.child(i), absl::StrCat(path, "[", i, "]"), &value)) {
      *out->Add() = std::move(value);
      if (locations != nullptr) *locations->Add() = Loc(node.child(i));
    }
  }
}

void SchemaReader::StringMap(
    const document::Node& node, const std::string& path,
    google::protobuf::Map<std::string, std::string>* out) {
  if (node.is_null()) return;
  if (!node.is_map()) {
    Error(node, path, "schema.type",
          absl::StrCat("expected a mapping, got ", NodeTypeName(node)));
    return;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string key(node.key(i));
    std::string value;
    if (String(node.child(i), absl::StrCat(path, ".", key), &value)) {
      (*out)[key] = value;
    }
  }
}

}  // namespace upgrade_core::plan::internal
