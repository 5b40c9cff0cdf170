// Path parsing, printing and selection.
#include "upgrade_core/document/path.h"

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::document {
namespace {

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
         c == '/' || c == '$' || c == '@' || c == ':';
}

bool IsWord(absl::string_view key) {
  if (key.empty() || key == "*") return false;
  for (char c : key) {
    if (!IsWordChar(c)) return false;
  }
  return true;
}

void AppendQuoted(std::string* out, absl::string_view s) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

absl::Status PathError(absl::string_view text, size_t pos,
                       absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad path '", text, "' at character ", pos + 1, ": ", what));
}

}  // namespace

void AppendKey(std::string* path, absl::string_view key) {
  if (IsWord(key)) {
    if (!path->empty()) path->push_back('.');
    path->append(key.data(), key.size());
  } else {
    path->push_back('[');
    AppendQuoted(path, key);
    path->push_back(']');
  }
}

void AppendIndex(std::string* path, size_t index) {
  absl::StrAppend(path, "[", index, "]");
}

void AppendMatch(std::string* path, absl::string_view key,
                 absl::string_view value) {
  path->push_back('[');
  path->append(key.data(), key.size());
  path->push_back('=');
  bool plain = !value.empty();
  for (char c : value) {
    if (c == ']' || c == '"' || c == '\\' || c == ' ') plain = false;
  }
  if (plain) {
    path->append(value.data(), value.size());
  } else {
    AppendQuoted(path, value);
  }
  path->push_back(']');
}

absl::StatusOr<Path> Path::Parse(absl::string_view text) {
  Path path;
  size_t i = 0;
  const size_t n = text.size();
  auto read_quoted = [&](std::string* out) -> absl::Status {
    char quote = text[i++];
    while (i < n && text[i] != quote) {
      if (text[i] == '\\' && i + 1 < n) ++i;
      out->push_back(text[i++]);
    }
    if (i >= n) return PathError(text, i, "unterminated quote");
    ++i;
    return absl::OkStatus();
  };
  bool expect_key = true;  // at start or after '.'
  while (i < n) {
    char c = text[i];
    if (c == '[') {
      ++i;
      if (i >= n) return PathError(text, i, "unterminated '['");
      PathSegment seg;
      if (text[i] == '"' || text[i] == '\'') {
        seg.type = PathSegment::Type::kKey;
        UC_RETURN_IF_ERROR(read_quoted(&seg.key));
      } else if (text[i] == '*') {
        seg.type = PathSegment::Type::kAnyIndex;
        ++i;
      } else {
        size_t close = text.find(']', i);
        if (close == absl::string_view::npos) {
          return PathError(text, i, "unterminated '['");
        }
        absl::string_view inner = text.substr(i, close - i);
        size_t eq = inner.find('=');
        if (eq != absl::string_view::npos) {
          seg.type = PathSegment::Type::kMatch;
          seg.key = std::string(inner.substr(0, eq));
          absl::string_view value = inner.substr(eq + 1);
          if (!value.empty() && (value[0] == '"' || value[0] == '\'')) {
            size_t save = i;
            i += eq + 1;
            UC_RETURN_IF_ERROR(read_quoted(&seg.value));
            if (i >= n || text[i] != ']') {
              return PathError(text, i, "expected ']'");
            }
            (void)save;
            close = i;
          } else {
            seg.value = std::string(value);
          }
          if (seg.key.empty()) return PathError(text, i, "empty match key");
        } else {
          size_t index;
          if (!absl::SimpleAtoi(inner, &index)) {
            return PathError(text, i,
                             "expected an index, *, key=value or a quoted key");
          }
          seg.type = PathSegment::Type::kIndex;
          seg.index = index;
        }
        i = close;
      }
      if (i >= n || text[i] != ']') return PathError(text, i, "expected ']'");
      ++i;
      path.segments_.push_back(std::move(seg));
      expect_key = false;
      continue;
    }
    if (c == '.') {
      if (expect_key) return PathError(text, i, "empty key");
      ++i;
      expect_key = true;
      if (i >= n) return PathError(text, i, "path ends with '.'");
      continue;
    }
    if (!expect_key && !path.segments_.empty()) {
      return PathError(text, i, "expected '.' or '['");
    }
    size_t start = i;
    while (i < n && text[i] != '.' && text[i] != '[') {
      if (text[i] == ']' || text[i] == '"') {
        return PathError(text, i, "unexpected character");
      }
      ++i;
    }
    PathSegment seg;
    seg.key = std::string(text.substr(start, i - start));
    seg.type =
        seg.key == "*" ? PathSegment::Type::kAnyKey : PathSegment::Type::kKey;
    path.segments_.push_back(std::move(seg));
    expect_key = false;
  }
  return path;
}

bool Path::has_wildcards() const {
  for (const PathSegment& s : segments_) {
    if (s.type == PathSegment::Type::kAnyKey ||
        s.type == PathSegment::Type::kAnyIndex) {
      return true;
    }
  }
  return false;
}

std::string Path::ToString() const {
  std::string out;
  for (const PathSegment& s : segments_) {
    switch (s.type) {
      case PathSegment::Type::kKey:
        AppendKey(&out, s.key);
        break;
      case PathSegment::Type::kIndex:
        AppendIndex(&out, s.index);
        break;
      case PathSegment::Type::kMatch:
        AppendMatch(&out, s.key, s.value);
        break;
      case PathSegment::Type::kAnyKey:
        if (!out.empty()) out.push_back('.');
        out.push_back('*');
        break;
      case PathSegment::Type::kAnyIndex:
        out += "[*]";
        break;
    }
  }
  return out;
}

Path& Path::AddKey(absl::string_view key) {
  PathSegment s;
  s.key = std::string(key);
  segments_.push_back(std::move(s));
  return *this;
}

Path& Path::AddIndex(size_t index) {
  PathSegment s;
  s.type = PathSegment::Type::kIndex;
  s.index = index;
  segments_.push_back(std::move(s));
  return *this;
}

Path& Path::AddMatch(absl::string_view key, absl::string_view value) {
  PathSegment s;
  s.type = PathSegment::Type::kMatch;
  s.key = std::string(key);
  s.value = std::string(value);
  segments_.push_back(std::move(s));
  return *this;
}

namespace {

void SelectFrom(const Node& node, const std::vector<PathSegment>& segs,
                size_t at, std::string* printed, const Location& key_loc,
                std::vector<PathMatch>* out) {
  if (at == segs.size()) {
    out->push_back(PathMatch{node, *printed, key_loc});
    return;
  }
  const PathSegment& s = segs[at];
  const size_t mark = printed->size();
  switch (s.type) {
    case PathSegment::Type::kKey: {
      int64_t i = node.IndexOf(s.key);
      if (i < 0) return;
      AppendKey(printed, s.key);
      SelectFrom(node.child(i), segs, at + 1, printed, node.key_location(i),
                 out);
      break;
    }
    case PathSegment::Type::kAnyKey: {
      if (!node.is_map()) return;
      for (size_t i = 0; i < node.size(); ++i) {
        AppendKey(printed, node.key(i));
        SelectFrom(node.child(i), segs, at + 1, printed, node.key_location(i),
                   out);
        printed->resize(mark);
      }
      break;
    }
    case PathSegment::Type::kIndex: {
      if (!node.is_list() || s.index >= node.size()) return;
      AppendIndex(printed, s.index);
      SelectFrom(node.child(s.index), segs, at + 1, printed, Location(), out);
      break;
    }
    case PathSegment::Type::kAnyIndex: {
      if (!node.is_list()) return;
      for (size_t i = 0; i < node.size(); ++i) {
        AppendIndex(printed, i);
        SelectFrom(node.child(i), segs, at + 1, printed, Location(), out);
        printed->resize(mark);
      }
      break;
    }
    case PathSegment::Type::kMatch: {
      if (!node.is_list()) return;
      for (size_t i = 0; i < node.size(); ++i) {
        std::optional<Node> k = node.child(i).Get(s.key);
        if (k && k->is_scalar() && k->text() == s.value) {
          AppendMatch(printed, s.key, s.value);
          SelectFrom(node.child(i), segs, at + 1, printed, Location(), out);
          printed->resize(mark);
        }
      }
      break;
    }
  }
  printed->resize(mark);
}

}  // namespace

std::vector<PathMatch> Select(const Node& root, const Path& path) {
  std::vector<PathMatch> out;
  if (!root.valid()) return out;
  std::string printed;
  SelectFrom(root, path.segments(), 0, &printed, Location(), &out);
  return out;
}

}  // namespace upgrade_core::document
