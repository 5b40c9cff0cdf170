// A main() for the fuzz targets without libFuzzer (gcc, plain `bazel test`):
// runs LLVMFuzzerTestOneInput once on every file named on the command line,
// and on every regular file under every directory named (recursively, in
// sorted order), like a libFuzzer binary given files. Exits non-zero when it
// ran no input at all, so an empty or missing corpus cannot pass silently; a
// failed property aborts the process.
//
//   bazel-bin/fuzz/version_fuzzer fuzz/corpus/version crash-1234
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
    __attribute__((weak));

namespace {

namespace fs = std::filesystem;

bool RunFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return false;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
  // A copy in its own heap block, so ASan sees reads past the end.
  std::vector<uint8_t> data(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(data.data(), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  size_t ran = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(
               arg, fs::directory_options::follow_directory_symlink, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (fs::is_regular_file(it->path())) files.push_back(it->path());
      }
      if (ec) {
        std::fprintf(stderr, "replay: cannot list %s: %s\n", argv[i],
                     ec.message().c_str());
        ok = false;
      }
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files) {
        if (RunFile(f))
          ++ran;
        else
          ok = false;
      }
    } else if (RunFile(arg)) {
      ++ran;
    } else {
      ok = false;
    }
  }
  std::fprintf(stderr, "replay: %zu inputs ran, no property failed\n", ran);
  if (ran == 0) {
    std::fprintf(stderr, "replay: no input given (usage: %s FILE|DIR...)\n",
                 argv[0]);
    return 1;
  }
  return ok ? 0 : 1;
}
