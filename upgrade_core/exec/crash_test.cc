// Crash test: runs crash_test_child (a 20-component plan through the
// Executor with a journal; crash_test_child.cc says why its effects happen
// exactly once) and kills it with SIGKILL after random delays, restarting it
// until it finishes; then checks that every effect happened exactly once and
// that the effects and final component states equal an uninterrupted run's.
//
// Usage (Bazel passes these): crash_test CHILD KILLS SEED
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace {

std::string g_child;
int g_kills = 200;
uint64_t g_seed = 1;

enum class Ending { kFinished, kKilled, kError };

// Runs the child on `dir`; kills it after `delay_us` (< 0: never).
Ending RunChild(const std::string& dir, int64_t delay_us, std::string* why) {
  const pid_t pid = fork();
  if (pid < 0) {
    *why = "fork failed";
    return Ending::kError;
  }
  if (pid == 0) {
    execl(g_child.c_str(), g_child.c_str(), dir.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  if (delay_us >= 0) {
    usleep(static_cast<useconds_t>(delay_us));
    kill(pid, SIGKILL);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) {
    *why = "waitpid failed";
    return Ending::kError;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Ending::kFinished;
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
    return Ending::kKilled;
  *why = WIFEXITED(status) ? absl::StrCat("exit code ", WEXITSTATUS(status))
                           : absl::StrCat("signal ", WTERMSIG(status));
  return Ending::kError;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string NewDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The effect lines without their action ids ("c03/start-new attempt 1
// failed"), counted; and whether any action id appears twice.
std::map<std::string, int> Effects(const std::string& dir,
                                   std::vector<std::string>* duplicate_ids) {
  std::map<std::string, int> effects;
  std::set<std::string> ids;
  for (absl::string_view line :
       absl::StrSplit(ReadFile(dir + "/effects"), '\n', absl::SkipEmpty())) {
    const size_t at = line.find(" id=");
    const std::string id(line.substr(at + 4));
    if (!ids.insert(id).second) duplicate_ids->push_back(id);
    ++effects[std::string(line.substr(0, at))];
  }
  return effects;
}

TEST(CrashTest, EveryEffectExactlyOnceAcrossSigkills) {
  ASSERT_FALSE(g_child.empty());
  // The uninterrupted run: what every interrupted one must end with.
  const std::string reference = NewDir("reference");
  std::string why;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(RunChild(reference, -1, &why), Ending::kFinished) << why;
  // Not const: see the loop below.
  int64_t run_us = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  std::vector<std::string> duplicates;
  const std::map<std::string, int> want_effects =
      Effects(reference, &duplicates);
  ASSERT_TRUE(duplicates.empty());
  const std::string want_final = ReadFile(reference + "/final");
  ASSERT_NE(want_final.find("plan failed"), std::string::npos) << want_final;
  ASSERT_NE(want_final.find("c12 failed"), std::string::npos) << want_final;
  for (const auto& [effect, n] : want_effects) {
    ASSERT_EQ(n, 1) << effect;
  }

  std::mt19937_64 random(g_seed);
  // Delays up to a whole run: early kills hit process start and journal
  // creation, later ones every phase of the plan.
  std::uniform_int_distribution<int64_t> delay(0, run_us);
  int kills = 0;
  int sequences = 0;
  int64_t in_doubt = 0, found = 0, performed = 0;
  while (kills < g_kills) {
    const std::string dir = NewDir(absl::StrCat("run", sequences++));
    bool finished = false;
    for (int restart = 0; restart < 1000 && !finished; ++restart) {
      // After 8 kills a start runs to the end (most runs finish earlier:
      // each start gets further), so every sequence ends and is checked.
      const bool last = restart >= 8;
      const auto t0 = std::chrono::steady_clock::now();
      const Ending e = RunChild(dir, last ? -1 : delay(random), &why);
      ASSERT_NE(e, Ending::kError)
          << why << " in " << dir << " after " << kills << " kills";
      if (e == Ending::kKilled) ++kills;
      finished = e == Ending::kFinished;
      // A whole run that ended before its kill was faster than the
      // reference run (measured once, perhaps on a cold or loaded start):
      // kill within its time from now on, or most runs would end unkilled
      // and reaching the kill count would take hundreds of sequences.
      const int64_t took =
          std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::steady_clock::now() - t0)
              .count();
      if (restart == 0 && finished && took < run_us) {
        run_us = took;
        delay = std::uniform_int_distribution<int64_t>(0, run_us);
      }
    }
    ASSERT_TRUE(finished);
    SCOPED_TRACE(dir);
    duplicates.clear();
    const std::map<std::string, int> got = Effects(dir, &duplicates);
    EXPECT_TRUE(duplicates.empty())
        << "action ids performed twice: " << absl::StrJoin(duplicates, ", ");
    EXPECT_EQ(got, want_effects);
    EXPECT_EQ(ReadFile(dir + "/final"), want_final);
    for (absl::string_view line :
         absl::StrSplit(ReadFile(dir + "/resumes"), '\n', absl::SkipEmpty())) {
      std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
      int64_t a = 0, b = 0, c = 0;
      if (f.size() == 6 && absl::SimpleAtoi(f[1], &a) &&
          absl::SimpleAtoi(f[3], &b) && absl::SimpleAtoi(f[5], &c)) {
        in_doubt += a;
        found += b;
        performed += c;
      }
    }
    if (::testing::Test::HasFailure()) break;
  }
  std::cout << "crash test: " << kills << " SIGKILLs over " << sequences
            << " interrupted runs (an uninterrupted run takes " << run_us / 1000
            << " ms); in-doubt actions on resume: " << in_doubt << " (" << found
            << " had their effect, " << performed
            << " were performed by the resolver)\n";
  EXPECT_GE(kills, g_kills);
  EXPECT_GT(in_doubt, 0);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 4 || !absl::SimpleAtoi(argv[2], &g_kills) ||
      !absl::SimpleAtoi(argv[3], &g_seed)) {
    std::cerr << "usage: crash_test CHILD KILLS SEED\n";
    return 2;
  }
  g_child = argv[1];
  return RUN_ALL_TESTS();
}
