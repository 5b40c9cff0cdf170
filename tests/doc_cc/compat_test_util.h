// Helpers for the doc tests of the compat pages: the pages' examples read
// files by relative names (my-values.yaml), so a test copies fixtures into
// a fresh directory under TEST_TMPDIR and runs the example there.
#ifndef TESTS_DOC_CC_COMPAT_TEST_UTIL_H_
#define TESTS_DOC_CC_COMPAT_TEST_UTIL_H_

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace doc_cc {

// Makes TEST_TMPDIR/<name> and returns its path.
inline std::string ScratchDir(const std::string& name) {
  std::filesystem::path dir =
      std::filesystem::path(std::getenv("TEST_TMPDIR")) / name;
  std::filesystem::create_directories(dir);
  return dir.string();
}

// A workspace file's path, whatever the current directory.
inline std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/upgrade_core/" + path;
}

inline void Copy(const std::string& from, const std::string& to) {
  std::filesystem::create_directories(
      std::filesystem::path(to).parent_path().empty()
          ? std::filesystem::path(".")
          : std::filesystem::path(to).parent_path());
  std::filesystem::copy_file(from, to,
                             std::filesystem::copy_options::overwrite_existing);
}

inline void Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace doc_cc

#endif  // TESTS_DOC_CC_COMPAT_TEST_UTIL_H_
