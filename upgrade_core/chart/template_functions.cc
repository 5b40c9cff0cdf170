// The function table. Names follow text/template's builtins, Sprig v3's
// function map (sprig.TxtFuncMap) and the functions Helm adds (include, tpl,
// required, toYaml and friends, lookup). `must*` variants share their base
// function's class.
#include "upgrade_core/chart/template_functions.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace upgrade_core::chart::internal {
namespace {

using FC = FunctionClass;

const absl::flat_hash_map<absl::string_view, FunctionClass>& Table() {
  static const auto* table = [] {
    auto* t = new absl::flat_hash_map<absl::string_view, FunctionClass>;
    for (absl::string_view n :
         {"merge",    "mergeOverwrite", "default", "coalesce", "ternary",
          "deepCopy", "pick",           "omit",    "first",    "last",
          "rest",     "initial",        "compact", "uniq",     "reverse",
          "concat",   "append",         "push",    "prepend",  "without",
          "slice",    "values",         "list",    "tuple",    "sortAlpha"}) {
      (*t)[n] = FC::kPassThrough;
    }
    for (absl::string_view n : {"and", "or"}) (*t)[n] = FC::kLogic;
    for (absl::string_view n :
         {"not", "empty", "eq", "ne", "lt", "le", "gt", "ge", "len", "kindIs",
          "kindOf", "typeOf", "typeIs", "typeIsLike", "has", "all", "any",
          "deepEqual"}) {
      (*t)[n] = FC::kTest;
    }
    for (absl::string_view n :
         {"toYaml", "toYamlPretty", "toJson", "toPrettyJson", "toRawJson",
          "toToml", "toStrings", "fromYaml", "fromJson"}) {
      (*t)[n] = FC::kWhole;
    }
    (*t)["include"] = FC::kInclude;
    (*t)["tpl"] = FC::kTpl;
    (*t)["dict"] = FC::kDict;
    (*t)["index"] = FC::kIndex;
    (*t)["get"] = FC::kGet;
    (*t)["hasKey"] = FC::kHasKey;
    (*t)["dig"] = FC::kDig;
    (*t)["pluck"] = FC::kPluck;
    (*t)["keys"] = FC::kKeys;
    (*t)["required"] = FC::kRequired;
    (*t)["set"] = FC::kSet;
    (*t)["unset"] = FC::kSet;
    for (absl::string_view n :
         {// text/template builtins
          "call", "html", "js", "print", "printf", "println", "urlquery",
          // Helm
          "fromYamlArray", "fromJsonArray", "fromToml", "lookup", "fail",
          // Sprig: strings
          "abbrev", "abbrevboth", "trunc", "trim", "upper", "lower", "title",
          "untitle", "substr", "repeat", "trimall", "trimAll", "trimSuffix",
          "trimPrefix", "nospace", "initials", "randAlphaNum", "randAlpha",
          "randAscii", "randNumeric", "swapcase", "shuffle", "snakecase",
          "camelcase", "kebabcase", "wrap", "wrapWith", "contains", "hasPrefix",
          "hasSuffix", "quote", "squote", "cat", "indent", "nindent", "replace",
          "toString", "plural", "sha1sum", "sha256sum", "sha512sum",
          "adler32sum", "atoi", "int64", "int", "float64", "seq", "toDecimal",
          "split", "splitList", "splitn", "join", "b64enc", "b64dec", "b32enc",
          "b32dec", "regexMatch", "regexFindAll", "regexFind",
          "regexReplaceAll", "regexReplaceAllLiteral", "regexSplit",
          "regexQuoteMeta",
          // Sprig: numbers and lists
          "until", "untilStep", "add1", "add", "sub", "div", "mod", "mul",
          "randInt", "add1f", "addf", "subf", "divf", "mulf", "biggest", "max",
          "min", "maxf", "minf", "ceil", "floor", "round", "chunk",
          // Sprig: dates, paths, crypto, misc
          "hello", "ago", "date", "date_in_zone", "date_modify", "dateInZone",
          "dateModify", "duration", "durationRound", "htmlDate",
          "htmlDateInZone", "now", "toDate", "unixEpoch", "env", "expandenv",
          "getHostByName", "base", "dir", "clean", "ext", "isAbs", "osBase",
          "osClean", "osDir", "osExt", "osIsAbs", "bcrypt", "htpasswd",
          "genPrivateKey", "derivePassword", "buildCustomCert", "genCA",
          "genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey",
          "genSignedCert", "genSignedCertWithKey", "encryptAES", "decryptAES",
          "randBytes", "uuidv4", "semver", "semverCompare", "urlParse",
          "urlJoin"}) {
      (*t)[n] = FC::kValue;
    }
    return t;
  }();
  return *table;
}

}  // namespace

std::optional<FunctionClass> LookupFunction(absl::string_view name) {
  const auto& t = Table();
  if (auto it = t.find(name); it != t.end()) return it->second;
  // mustMerge, mustToJson, mustRegexMatch...: the base function's class.
  absl::string_view base = name;
  if (absl::ConsumePrefix(&base, "must") && !base.empty() && base[0] >= 'A' &&
      base[0] <= 'Z') {
    std::string lowered(base);
    lowered[0] = static_cast<char>(lowered[0] - 'A' + 'a');
    if (auto it = t.find(lowered); it != t.end()) return it->second;
  }
  return std::nullopt;
}

}  // namespace upgrade_core::chart::internal
