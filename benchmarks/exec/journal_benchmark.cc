// Journal benchmarks (docs/journal.md), each against a plain-file reference
// measured in the same iteration, so the ratio holds whatever the disk:
//
//   * BM_GroupCommit: exec::Journal with kGroupCommit (fdatasync every 1000
//     records) vs write(2) of the same framed bytes to a plain file with the
//     same fdatasync cadence. Reported: journal records/s, plain records/s,
//     journal_vs_plain (time ratio; the target is under 3).
//   * BM_SyncEveryRecord: the default policy (fdatasync per record), against
//     write + fdatasync per record of the same bytes.
//   * BM_Recovery: Journal::Open of an existing 1M-record journal (read,
//     checksum, parse every record); target under 1 s. BM_ReadJournal: the
//     read-only reader on the same file.
//
// Records are what an orchestrator writes: per action an ActionIssued, a
// PROGRESS heartbeat and a final ActionOutcome. Files go to $TMPDIR (or
// /tmp) and are removed at exit; the recovery file is about 40 MB.
//
//   bazel run -c opt //benchmarks/exec:journal_benchmark
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "upgrade_core/exec/journal.h"
#include "upgrade_core/exec/journal_format.h"
#include "upgrade_core/proto/journal.pb.h"

namespace upgrade_core::exec {
namespace {

using Clock = std::chrono::steady_clock;

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TMPDIR");
  return absl::StrCat(dir != nullptr && *dir != '\0' ? dir : "/tmp",
                      "/uc_journal_benchmark_", ::getpid(), "_", name);
}

void RemoveJournal(const std::string& path) {
  std::remove(path.c_str());
  std::remove((path + ".lock").c_str());
}

proto::JournalHeader Header() {
  proto::JournalHeader header;
  header.set_plan_name("fleet-upgrade");
  header.set_plan_hash(
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  header.set_created_at_ms(1764633600000);
  return header;
}

// Record i of a realistic stream: issued, progress, outcome per action.
proto::JournalRecord MakeRecord(uint64_t i) {
  const uint64_t action = i / 3 + 1;
  const int64_t t = 1764633600000 + static_cast<int64_t>(i) * 250;
  proto::JournalRecord r;
  switch (i % 3) {
    case 0: {
      proto::ActionIssued* a = r.mutable_issued();
      a->set_action_id(action);
      a->set_step(static_cast<int32_t>(action % 60000));
      a->set_attempt(1);
      a->set_issued_at_ms(t);
      a->set_deadline_ms(t + 300000);
      break;
    }
    case 1: {
      proto::ActionOutcome* o = r.mutable_outcome();
      o->set_action_id(action);
      o->set_kind(proto::PROGRESS);
      o->set_reason("2/3 ready");
      o->set_at_ms(t);
      o->set_observed(static_cast<int64_t>(action) * 7);
      break;
    }
    default: {
      proto::ActionOutcome* o = r.mutable_outcome();
      o->set_action_id(action);
      o->set_kind(action % 50 == 0 ? proto::FAILED : proto::SUCCEEDED);
      if (action % 50 == 0) o->set_reason("readiness probe failed: 503");
      o->set_at_ms(t);
      break;
    }
  }
  return r;
}

std::vector<proto::JournalRecord> MakeRecords(int n) {
  std::vector<proto::JournalRecord> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) out.push_back(MakeRecord(i));
  return out;
}

// The exact bytes the journal appends for `records`, one string per record.
std::vector<std::string> Framed(
    const std::vector<proto::JournalRecord>& records) {
  std::vector<std::string> out;
  out.reserve(records.size());
  for (const proto::JournalRecord& r : records) {
    out.push_back(
        FrameRecord(RecordType::kJournalRecord, r.SerializeAsString()));
  }
  return out;
}

std::unique_ptr<Journal> OpenOrDie(const std::string& path,
                                   const JournalOptions& options) {
  absl::StatusOr<std::unique_ptr<Journal>> journal =
      Journal::Open(path, Header(), options);
  if (!journal.ok()) {
    std::fprintf(stderr, "%s\n", journal.status().ToString().c_str());
    std::abort();
  }
  return *std::move(journal);
}

void CheckOk(const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    std::abort();
  }
}

void DataSync(int fd) {
  if (::fdatasync(fd) != 0) std::abort();
}

void WriteOrDie(int fd, const std::string& bytes) {
  if (::write(fd, bytes.data(), bytes.size()) !=
      static_cast<ssize_t>(bytes.size())) {
    std::abort();
  }
}

// Journal vs plain file, `sync_every` records per fdatasync (1 = the
// default kEveryRecord policy), state.range(0) records per iteration. The
// iteration time is the journal's; the plain file's goes into counters.
void RunAgainstPlainFile(benchmark::State& state, int sync_every) {
  const int n = static_cast<int>(state.range(0));
  const std::vector<proto::JournalRecord> records = MakeRecords(n);
  const std::vector<std::string> framed = Framed(records);
  JournalOptions options;
  if (sync_every > 1) {
    options.sync = JournalSync::kGroupCommit;
    options.group_commit_records = sync_every;
  }
  const std::string journal_path = TempPath("journal");
  const std::string plain_path = TempPath("plain");
  double journal_s = 0, plain_s = 0;
  for (auto _ : state) {
    state.PauseTiming();
    RemoveJournal(journal_path);
    std::remove(plain_path.c_str());
    std::unique_ptr<Journal> journal = OpenOrDie(journal_path, options);
    const int fd = ::open(plain_path.c_str(),
                          O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) std::abort();
    WriteOrDie(fd, std::string(kJournalMagic));
    DataSync(fd);
    state.ResumeTiming();

    const Clock::time_point j0 = Clock::now();
    for (const proto::JournalRecord& r : records) CheckOk(journal->Write(r));
    CheckOk(journal->Sync());
    const Clock::time_point j1 = Clock::now();
    for (int i = 0; i < n; ++i) {
      WriteOrDie(fd, framed[i]);
      if ((i + 1) % sync_every == 0) DataSync(fd);
    }
    DataSync(fd);
    const Clock::time_point p1 = Clock::now();

    const double j = std::chrono::duration<double>(j1 - j0).count();
    journal_s += j;
    plain_s += std::chrono::duration<double>(p1 - j1).count();
    state.SetIterationTime(j);
    state.PauseTiming();
    journal.reset();
    ::close(fd);
    state.ResumeTiming();
  }
  RemoveJournal(journal_path);
  std::remove(plain_path.c_str());
  const double total = static_cast<double>(n) * state.iterations();
  state.counters["journal_rec/s"] = total / journal_s;
  state.counters["plain_rec/s"] = total / plain_s;
  state.counters["journal_vs_plain"] = journal_s / plain_s;
  state.SetItemsProcessed(static_cast<int64_t>(total));
}

void BM_GroupCommit(benchmark::State& state) {
  RunAgainstPlainFile(state, 1000);
}
BENCHMARK(BM_GroupCommit)
    ->Arg(100000)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_SyncEveryRecord(benchmark::State& state) {
  RunAgainstPlainFile(state, 1);
}
BENCHMARK(BM_SyncEveryRecord)
    ->Arg(1000)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// A journal of `n` records at a path shared by the recovery benchmarks,
// written once.
const std::string& RecoveryJournal(int n) {
  static const std::string* path = [n] {
    auto* p = new std::string(TempPath(absl::StrCat("recovery_", n)));
    RemoveJournal(*p);
    JournalOptions options;
    options.sync = JournalSync::kGroupCommit;
    options.group_commit_records = 100000;
    std::unique_ptr<Journal> journal = OpenOrDie(*p, options);
    for (int i = 0; i < n; ++i) CheckOk(journal->Write(MakeRecord(i)));
    CheckOk(journal->Sync());
    std::atexit([] { RemoveJournal(*path); });
    return p;
  }();
  return *path;
}

void BM_Recovery(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::string& path = RecoveryJournal(n);
  for (auto _ : state) {
    std::unique_ptr<Journal> journal = OpenOrDie(path, JournalOptions());
    if (journal->recovered().size() != static_cast<size_t>(n)) std::abort();
    benchmark::DoNotOptimize(journal->recovered().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(n) * state.iterations());
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    state.counters["file_MB"] = static_cast<double>(st.st_size) / 1e6;
  }
}
BENCHMARK(BM_Recovery)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_ReadJournal(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::string& path = RecoveryJournal(n);
  for (auto _ : state) {
    absl::StatusOr<JournalContents> contents = ReadJournal(path);
    if (!contents.ok() || contents->records.size() != static_cast<size_t>(n)) {
      std::abort();
    }
    benchmark::DoNotOptimize(contents->records.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(n) * state.iterations());
}
BENCHMARK(BM_ReadJournal)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace upgrade_core::exec

BENCHMARK_MAIN();
