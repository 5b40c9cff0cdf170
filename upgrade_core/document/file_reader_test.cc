#include "upgrade_core/document/file_reader.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::document {
namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::IsOkAndHolds;
using ::upgrade_core::testing::StatusIs;

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/", name);
}

std::string WriteTemp(absl::string_view name, absl::string_view text) {
  const std::string path = TempPath(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(FileReaderTest, ReadsRegularFile) {
  const std::string path = WriteTemp("plain.yaml", "a: 1\n");
  EXPECT_THAT(ReadFileBounded(path), IsOkAndHolds(std::string("a: 1\n")));
}

TEST(FileReaderTest, ReadsEmptyFile) {
  const std::string path = WriteTemp("empty.yaml", "");
  EXPECT_THAT(ReadFileBounded(path), IsOkAndHolds(std::string()));
}

TEST(FileReaderTest, MissingFileIsNotFoundAndNamesThePath) {
  EXPECT_THAT(ReadFileBounded(TempPath("no-such.yaml")),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no-such.yaml: cannot open")));
}

TEST(FileReaderTest, OverLimitIsRefusedBeforeReading) {
  const std::string path = WriteTemp("big.yaml", std::string(100, 'x'));
  EXPECT_THAT(ReadFileBounded(path, 99),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("file is 100 bytes, over the limit of 99")));
  EXPECT_THAT(ReadFileBounded(path, 100), IsOkAndHolds(std::string(100, 'x')));
}

// Regression (issue 9 defect 2): a directory was reported as
// "file is 9223372036854775807 bytes".
TEST(FileReaderTest, DirectoryIsRefusedByName) {
  EXPECT_THAT(ReadFileBounded(TempPath("")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is a directory, not a regular file")));
}

// Regression (issue 9 defect 2): /dev/zero was read until bad_alloc.
TEST(FileReaderTest, DevZeroIsRefusedWithoutReading) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(ReadFileBounded("/dev/zero"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("/dev/zero: is a character device, not a "
                                 "regular file")));
  EXPECT_THAT(ReadFileBounded("/dev/urandom"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("character device")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

// Regression (issue 9 defect 2): a FIFO given as a values file blocked
// forever waiting for a writer.
TEST(FileReaderTest, FifoIsRefusedWithoutBlocking) {
  const std::string path = TempPath("values.fifo");
  ::unlink(path.c_str());
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  EXPECT_THAT(
      ReadFileBounded(path),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("is a FIFO (named pipe), not a regular file")));
  ::unlink(path.c_str());
}

TEST(FileReaderTest, SocketIsRefused) {
  const std::string path = TempPath("s.sock");
  ::unlink(path.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) GTEST_SKIP() << "path too long";
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  // Opening a socket fails (ENXIO); either way it is an error, not a hang.
  EXPECT_FALSE(ReadFileBounded(path).ok());
  ::close(fd);
  ::unlink(path.c_str());
}

// Files in /proc report size 0; the limit still holds while reading.
TEST(FileReaderTest, ProcFileReadToItsEndUnderTheLimit) {
  absl::StatusOr<std::string> text = ReadFileBounded("/proc/self/status");
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("Name:"));
  EXPECT_THAT(ReadFileBounded("/proc/self/status", 10),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("over the limit of 10")));
}

TEST(FileReaderTest, EmptyPathIsAnError) {
  EXPECT_THAT(ReadFileBounded(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("empty file name")));
}

}  // namespace
}  // namespace upgrade_core::document
