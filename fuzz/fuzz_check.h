// File: fuzz_check.h
// -----------------------------------------------------------------------------
// FUZZ_CHECK: the property checks of the fuzz targets. Unlike assert() it is
// never compiled out (the replay tests build with -DNDEBUG under -c opt), and
// a failure prints what broke and the input (escaped, truncated) before
// abort()ing, which libFuzzer reports as a crash and saves as crash-<sha1>.
#ifndef UPGRADE_CORE_FUZZ_FUZZ_CHECK_H_
#define UPGRADE_CORE_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace upgrade_core::fuzz {

// The input of the current run, for failure messages. Set by each target at
// the top of LLVMFuzzerTestOneInput.
inline absl::string_view& CurrentInput() {
  static absl::string_view input;
  return input;
}

[[noreturn]] inline void CheckFailed(const char* file, int line,
                                     const char* condition,
                                     const std::string& detail) {
  absl::string_view in = CurrentInput();
  std::string shown = absl::CEscape(in.substr(0, 2000));
  std::fprintf(stderr,
               "%s:%d: property failed: %s\n  %s\n  input (%zu bytes%s): "
               "\"%s\"\n",
               file, line, condition, detail.c_str(), in.size(),
               in.size() > 2000 ? ", first 2000 shown" : "", shown.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace upgrade_core::fuzz

// FUZZ_CHECK(cond, detail): `detail` is any expression convertible to
// std::string, evaluated only on failure.
#define FUZZ_CHECK(cond, detail)                                   \
  do {                                                             \
    if (!(cond)) {                                                 \
      ::upgrade_core::fuzz::CheckFailed(__FILE__, __LINE__, #cond, \
                                        std::string(detail));      \
    }                                                              \
  } while (false)

#endif  // UPGRADE_CORE_FUZZ_FUZZ_CHECK_H_
