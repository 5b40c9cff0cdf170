// Document storage, node accessors, the builder, and JSON rendering. The
// loaders (libyaml event stream -> builder) are in document_loader.cc.
#include "upgrade_core/document/document.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "upgrade_core/document/document_data.h"
#include "upgrade_core/document/path.h"
#include "upgrade_core/util/json_string.h"

namespace upgrade_core::document {

using internal::DocumentData;
using internal::Entry;
using internal::NodeRec;

std::string Location::ToString() const {
  if (line <= 0) return source;
  return absl::StrCat(source, ":", line, ":", column);
}

absl::string_view NodeKindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kNull:
      return "null";
    case NodeKind::kBool:
      return "bool";
    case NodeKind::kInt:
      return "int";
    case NodeKind::kFloat:
      return "float";
    case NodeKind::kString:
      return "string";
    case NodeKind::kMap:
      return "map";
    case NodeKind::kList:
      return "list";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------
// Node

// An invalid (default-constructed) handle reads as an empty null node, so a
// missing value never crashes a caller that forgot to check valid().
NodeKind Node::kind() const {
  return data_ ? data_->nodes[index_].kind : NodeKind::kNull;
}

absl::string_view Node::text() const {
  if (!data_) return {};
  const NodeRec& r = data_->nodes[index_];
  if (r.kind == NodeKind::kMap || r.kind == NodeKind::kList) return {};
  return data_->Text(r.a, r.b);
}

bool Node::bool_value() const { return data_->nodes[index_].num.flag; }
int64_t Node::int_value() const { return data_->nodes[index_].num.i; }
double Node::float_value() const {
  const NodeRec& r = data_->nodes[index_];
  return r.kind == NodeKind::kInt ? static_cast<double>(r.num.i) : r.num.d;
}

size_t Node::size() const {
  if (!data_) return 0;
  const NodeRec& r = data_->nodes[index_];
  return (r.kind == NodeKind::kMap || r.kind == NodeKind::kList) ? r.b : 0;
}

Node Node::child(size_t i) const {
  const NodeRec& r = data_->nodes[index_];
  return Node(data_, data_->entries[r.a + i].node);
}

absl::string_view Node::key(size_t i) const {
  const Entry& e = data_->entries[data_->nodes[index_].a + i];
  return data_->Text(e.key_offset, e.key_length);
}

Location Node::key_location(size_t i) const {
  const Entry& e = data_->entries[data_->nodes[index_].a + i];
  const NodeRec& child = data_->nodes[e.node];
  Location loc;
  loc.source = data_->sources[child.source];
  loc.line = e.key_line;
  loc.column = e.key_column;
  return loc;
}

int64_t Node::IndexOf(absl::string_view key) const {
  if (!valid()) return -1;
  const NodeRec& r = data_->nodes[index_];
  if (r.kind != NodeKind::kMap) return -1;
  const Entry* e = data_->entries.data() + r.a;
  for (uint32_t i = 0; i < r.b; ++i) {
    if (e[i].key_length == key.size() &&
        data_->Text(e[i].key_offset, e[i].key_length) == key) {
      return i;
    }
  }
  return -1;
}

std::optional<Node> Node::Get(absl::string_view key) const {
  int64_t i = IndexOf(key);
  if (i < 0) return std::nullopt;
  return child(i);
}

std::optional<Node> Node::Find(absl::string_view path) const {
  absl::StatusOr<Path> p = Path::Parse(path);
  if (!p.ok()) return std::nullopt;
  std::vector<PathMatch> m = Select(*this, *p);
  if (m.empty()) return std::nullopt;
  return m[0].node;
}

Location Node::location() const {
  if (!data_) return Location();
  const NodeRec& r = data_->nodes[index_];
  Location loc;
  loc.source = data_->sources[r.source];
  loc.line = r.line;
  loc.column = r.column;
  return loc;
}

absl::string_view Node::source() const {
  if (!data_) return {};
  return data_->sources[data_->nodes[index_].source];
}
int Node::line() const { return data_ ? data_->nodes[index_].line : 0; }
int Node::column() const { return data_ ? data_->nodes[index_].column : 0; }

bool Node::Equals(const Node& other) const {
  if (data_ == other.data_ && index_ == other.index_) return true;
  if (!data_ || !other.data_)
    return kind() == other.kind() && size() == 0 && other.size() == 0;
  NodeKind k = kind();
  if (k != other.kind()) return false;
  switch (k) {
    case NodeKind::kNull:
      return true;
    case NodeKind::kBool:
      return bool_value() == other.bool_value();
    case NodeKind::kInt:
      return int_value() == other.int_value();
    case NodeKind::kFloat:
      return float_value() == other.float_value() ||
             (std::isnan(float_value()) && std::isnan(other.float_value()));
    case NodeKind::kString:
      return text() == other.text();
    case NodeKind::kList: {
      if (size() != other.size()) return false;
      for (size_t i = 0; i < size(); ++i) {
        if (!child(i).Equals(other.child(i))) return false;
      }
      return true;
    }
    case NodeKind::kMap: {
      const size_t n = size();
      if (n != other.size()) return false;
      // Same order is the common case: check it first.
      size_t i = 0;
      while (i < n && key(i) == other.key(i)) {
        if (!child(i).Equals(other.child(i))) return false;
        ++i;
      }
      if (i == n) return true;
      if (n - i <= 16) {
        for (size_t j = i; j < n; ++j) {
          int64_t k2 = other.IndexOf(key(j));
          if (k2 < 0 || !child(j).Equals(other.child(k2))) return false;
        }
        return true;
      }
      absl::flat_hash_map<absl::string_view, size_t> index;
      for (size_t j = 0; j < n; ++j) index.emplace(other.key(j), j);
      for (size_t j = i; j < n; ++j) {
        auto it = index.find(key(j));
        if (it == index.end() || !child(j).Equals(other.child(it->second))) {
          return false;
        }
      }
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------
// Document

namespace {
std::shared_ptr<const DocumentData> EmptyData() {
  auto d = std::make_shared<DocumentData>();
  d->sources.push_back("<empty>");
  d->nodes.push_back(NodeRec{});
  return d;
}
}  // namespace

Document::Document() : data_(EmptyData()) {}

Node Document::root() const { return Node(data_.get(), data_->root); }
absl::string_view Document::source() const { return data_->sources[0]; }
size_t Document::node_count() const { return data_->nodes.size(); }

std::string Document::ToJson(bool indent) const {
  return NodeToJson(root(), indent);
}

// ---------------------------------------------------------------------------
// JSON and display rendering

namespace {

void AppendJson(std::string* out, const Node& n, bool indent, int depth) {
  auto newline = [&](int d) {
    if (!indent) return;
    out->push_back('\n');
    out->append(2 * d, ' ');
  };
  switch (n.kind()) {
    case NodeKind::kNull:
      *out += "null";
      return;
    case NodeKind::kBool:
      *out += n.bool_value() ? "true" : "false";
      return;
    case NodeKind::kInt:
      absl::StrAppend(out, n.int_value());
      return;
    case NodeKind::kFloat: {
      double d = n.float_value();
      if (std::isfinite(d)) {
        std::string s = absl::StrFormat("%.17g", d);
        // Prefer the shortest text that round-trips.
        for (int p = 1; p <= 17; ++p) {
          std::string t = absl::StrFormat("%.*g", p, d);
          if (std::strtod(t.c_str(), nullptr) == d) {
            s = t;
            break;
          }
        }
        if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
        *out += s;
      } else {
        AppendJsonString(out, n.text());  // .inf/.nan have no JSON form
      }
      return;
    }
    case NodeKind::kString:
      AppendJsonString(out, n.text());
      return;
    case NodeKind::kList: {
      out->push_back('[');
      for (size_t i = 0; i < n.size(); ++i) {
        if (i) out->push_back(',');
        newline(depth + 1);
        AppendJson(out, n.child(i), indent, depth + 1);
      }
      if (n.size()) newline(depth);
      out->push_back(']');
      return;
    }
    case NodeKind::kMap: {
      out->push_back('{');
      for (size_t i = 0; i < n.size(); ++i) {
        if (i) out->push_back(',');
        newline(depth + 1);
        AppendJsonString(out, n.key(i));
        *out += indent ? ": " : ":";
        AppendJson(out, n.child(i), indent, depth + 1);
      }
      if (n.size()) newline(depth);
      out->push_back('}');
      return;
    }
  }
}

}  // namespace

std::string NodeToJson(const Node& node, bool indent) {
  std::string out;
  if (!node.valid()) return "null";
  AppendJson(&out, node, indent, 0);
  return out;
}

std::string NodeToDisplay(const Node& node, size_t max_len) {
  if (!node.valid()) return "<none>";
  std::string s;
  if (node.kind() == NodeKind::kString) {
    s = NodeToJson(node);  // quoted, so "true" (a string) differs from true
  } else if (node.is_scalar()) {
    s = node.kind() == NodeKind::kNull ? "null" : std::string(node.text());
    if (node.kind() == NodeKind::kBool)
      s = node.bool_value() ? "true" : "false";
  } else {
    s = NodeToJson(node);
  }
  return TruncateForDisplay(s, max_len);
}

std::string TruncateForDisplay(absl::string_view text, size_t max_len) {
  if (text.size() <= max_len) return std::string(text);
  size_t cut = max_len > 3 ? max_len - 3 : 0;
  // Never split a UTF-8 sequence: back up to the start of a character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return absl::StrCat(text.substr(0, cut), "...");
}

// ---------------------------------------------------------------------------
// DocumentBuilder

namespace {

bool ParseIntText(absl::string_view s, int64_t* out);
bool ParseFloatText(absl::string_view s, double* out);

}  // namespace

uint32_t DocumentBuilder::Impl::AddScalar(NodeKind kind, absl::string_view text,
                                          uint16_t source, int line,
                                          int column) {
  uint32_t id = NewNode(kind, source, line, column);
  NodeRec& r = data->nodes[id];
  r.a = Store(text);
  r.b = static_cast<uint32_t>(text.size());
  switch (kind) {
    case NodeKind::kBool: {
      char c = text.empty() ? 'f' : text[0];
      r.num.flag = (c == 't' || c == 'T' || c == 'y' || c == 'Y' ||
                    (text.size() == 2 && (c == 'o' || c == 'O')));
      break;
    }
    case NodeKind::kInt:
      if (!ParseIntText(text, &r.num.i)) {
        r.kind = NodeKind::kFloat;  // beyond int64: go-yaml makes it a float
        double d = 0;
        ParseFloatText(text, &d);
        r.num.d = d;
      }
      break;
    case NodeKind::kFloat: {
      double d = 0;
      ParseFloatText(text, &d);
      r.num.d = d;
      break;
    }
    default:
      break;
  }
  Attach(id);
  return id;
}

namespace {

bool ParseIntText(absl::string_view s, int64_t* out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
    base = 2;
    s.remove_prefix(2);
  } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
    base = 8;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;  // YAML 1.1 octal: 0755
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  unsigned __int128 v = 0;
  for (char c : s) {
    if (c == '_') continue;
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    if (d >= base) return false;
    v = v * base + d;
    if (v > (static_cast<unsigned __int128>(1) << 63)) return false;
  }
  if (!neg && v > static_cast<unsigned __int128>(INT64_MAX)) return false;
  *out = neg ? static_cast<int64_t>(-static_cast<__int128>(v))
             : static_cast<int64_t>(v);
  return true;
}

bool ParseFloatText(absl::string_view s, double* out) {
  std::string t;
  t.reserve(s.size());
  for (char c : s) {
    if (c != '_') t.push_back(c);
  }
  absl::string_view v = t;
  bool neg = false;
  absl::string_view body = v;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    *out = neg ? -HUGE_VAL : HUGE_VAL;
    return true;
  }
  if (body == ".nan" || body == ".NaN" || body == ".NAN") {
    *out = std::nan("");
    return true;
  }
  char* end = nullptr;
  *out = std::strtod(t.c_str(), &end);
  return end != nullptr && *end == '\0';
}

}  // namespace

DocumentBuilder::DocumentBuilder(absl::string_view source)
    : impl_(std::make_unique<Impl>()) {
  impl_->SourceId(source);
}

DocumentBuilder::~DocumentBuilder() = default;

void DocumentBuilder::Key(absl::string_view key, const Location& location) {
  impl_->SetKey(key, 0, location.line, location.column);
}

void DocumentBuilder::Scalar(NodeKind kind, absl::string_view text,
                             const Location& location) {
  impl_->AddScalar(kind, text, impl_->SourceId(location.source), location.line,
                   location.column);
}

void DocumentBuilder::BeginMap(const Location& location) {
  impl_->Begin(true, impl_->SourceId(location.source), location.line,
               location.column);
}
void DocumentBuilder::EndMap() { impl_->End(); }
void DocumentBuilder::BeginList(const Location& location) {
  impl_->Begin(false, impl_->SourceId(location.source), location.line,
               location.column);
}
void DocumentBuilder::EndList() { impl_->End(); }

void DocumentBuilder::CopyOf(const Node& node) {
  if (!node.valid()) {
    impl_->AddScalar(NodeKind::kNull, "", 0, 0, 0);
    return;
  }
  impl_->Copy(node);
}

Document DocumentBuilder::Finish() && {
  if (!impl_->has_root) impl_->AddScalar(NodeKind::kNull, "", 0, 0, 0);
  impl_->data->nodes.shrink_to_fit();
  impl_->data->entries.shrink_to_fit();
  return Document(std::move(impl_->data));
}

}  // namespace upgrade_core::document
