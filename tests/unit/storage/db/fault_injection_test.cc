// The fault-injection suite (issue 11): every create, append, sync and rename
// that a small put, a large put, an import and opening a new archive make, in
// the metadata store and in the blob store, is failed in turn (one fault per
// run, then the disk is healthy again: the harshest case, since the next write
// goes straight behind whatever the failed one left). After each run the
// archive takes one more put, is closed, loses every byte that was never
// synced (a power cut), and is opened again with healthy envs. The metadata
// store's logs are preallocated (preallocated_log_env.h), as in archived. Then:
// it opens; every acknowledged revision is there and its content verifies; a
// revision that was not acknowledged is either wholly there or absent; the log
// extends every checkpoint a receipt carried; scrub finds nothing wrong.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/base/sha256.h"
#include "storage/db/archive.h"
#include "storage/db/preallocated_log_env.h"
#include "storage/format/signed_note.h"
#include "storage/format/statement.h"
#include "storage/verify/proof_verifier.h"
#include "tests/unit/storage/db/fault_injection_env.h"
#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::FaultPlan;
using testing_util::FaultyEnv;
using testing_util::FaultyLevelDbEnv;
using testing_util::FileOp;
using testing_util::ScopedTempDir;

constexpr char kFaultInjectionOrigin[] = "faults.archive.example";
constexpr uint64_t kInlineMax = 1024;

struct Written {
  std::string document, content, revision_id;
  bool acknowledged = false;
  SignedCheckpoint checkpoint;  // the receipt's, if acknowledged
};

// A revision of `document` with `content`, sealed into `archive`'s blobs.
NewRevision MakePut(Archive& archive, const std::string& document,
                    const std::string& content, absl::Status* error) {
  NewRevision put;
  Statement& s = put.statement;
  s.document = document;
  s.content_sha256 = Sha256::HexDigest(content);
  s.content_size = content.size();
  s.media_type = "text/plain; charset=utf-8";
  s.status = "in_force";
  s.submitted_by = "local";
  auto writer = archive.blobs().NewWriter(content.size());
  if (!writer.ok()) {
    *error = writer.status();
    return put;
  }
  if (absl::Status a = (*writer)->Append(content); !a.ok()) {
    *error = a;
    return put;
  }
  auto sealed = (*writer)->Seal(s.content_sha256, content.size());
  if (!sealed.ok()) {
    *error = sealed.status();
    return put;
  }
  put.content = *sealed;
  return put;
}

void Record(const absl::StatusOr<CommitResult>& result, Written* w) {
  if (!result.ok()) return;
  w->acknowledged = true;
  w->revision_id = result->revision.id;
  w->checkpoint = result->receipt.checkpoint;
}

Written Put(Archive& archive, const std::string& document,
            const std::string& content) {
  Written w{document, content, "", false, {}};
  absl::Status error;
  NewRevision put = MakePut(archive, document, content, &error);
  if (error.ok()) Record(archive.Commit(std::move(put)), &w);
  return w;
}

// Signed statements from another archive, to import.
std::vector<std::pair<std::string, std::string>> PeerStatements(
    const std::string& dir, int n) {
  ArchiveOptions options;
  options.data_dir = dir;
  options.origin = "peer.archive.example";
  auto peer = Archive::Open(options);
  EXPECT_TRUE(peer.ok()) << peer.status();
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; peer.ok() && i < n; ++i) {
    std::string content = absl::StrCat("imported revision ", i, "\n");
    Written w = Put(**peer, absl::StrCat("peer-doc-", i), content);
    auto r = (*peer)->GetRevision(w.revision_id);
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) out.emplace_back(r->signed_statement, content);
  }
  return out;
}

class FaultSweep : public ::testing::Test {
 protected:
  using Operation = std::function<std::vector<Written>(Archive&)>;

  static void SetUpTestSuite() {
    imports_dir_ = new ScopedTempDir;
    imports_ = new std::vector<std::pair<std::string, std::string>>(
        PeerStatements(imports_dir_->Sub("peer"), 2));
  }
  static void TearDownTestSuite() {
    delete imports_;
    delete imports_dir_;
  }

  absl::StatusOr<std::unique_ptr<Archive>> Open(const std::string& dir,
                                                bool faulty) {
    ArchiveOptions options;
    options.data_dir = dir;
    options.origin = kFaultInjectionOrigin;
    options.inline_blob_max_bytes = kInlineMax;
    options.write_buffer_bytes = write_buffer_bytes_;
    options.journal_segment_bytes = journal_segment_bytes_;
    if (faulty) {
      options.env = &env_;
      options.leveldb_env = &leveldb_env_;
    }
    return Archive::Open(options);
  }

  // Runs `operation` on an archive holding two revisions, with the `n`th
  // `op` failed (n = 0: none); returns how many `op`s it made.
  int RunOnce(const Operation& operation, FileOp op, int n, bool fresh) {
    ScopedTempDir tmp;
    const std::string dir = tmp.Sub("data");
    std::vector<Written> written;
    plan_.FailNth(op, 0);
    {
      std::unique_ptr<Archive> archive;
      if (!fresh) {
        auto opened = Open(dir, /*faulty=*/true);
        EXPECT_TRUE(opened.ok()) << opened.status();
        if (!opened.ok()) return 0;
        archive = std::move(*opened);
        written.push_back(Put(*archive, "base-1", "base one\n"));
        written.push_back(Put(*archive, "base-2", std::string(3000, 'b')));
      }
      plan_.FailNth(op, n);
      if (fresh) {
        auto opened = Open(dir, /*faulty=*/true);
        if (!opened.ok()) {
          EXPECT_TRUE(n > 0) << opened.status();
          return plan_.count(op);
        }
        archive = std::move(*opened);
      }
      for (Written& w : operation(*archive)) written.push_back(std::move(w));
      int made = plan_.count(op);
      // The disk is healthy again: the next put goes behind the failed write.
      written.push_back(Put(*archive, "after", "after the fault\n"));
      archive.reset();
      plan_.DropUnsyncedData();
      Check(dir, written, absl::StrCat(FileOpName(op), " #", n));
      return made;
    }
  }

  void Check(const std::string& dir, const std::vector<Written>& written,
             const std::string& fault) {
    ++runs_;
    auto opened = Open(dir, /*faulty=*/false);
    bool any_acked = false;
    for (const Written& w : written) any_acked |= w.acknowledged;
    if (!opened.ok()) {
      // Only an archive that never acknowledged anything may be gone.
      EXPECT_FALSE(any_acked) << fault << ": " << opened.status();
      return;
    }
    Archive& archive = **opened;
    for (const Written& w : written) {
      std::string hex = Sha256::HexDigest(w.content);
      auto doc = archive.GetDocument(w.document);
      if (!w.acknowledged && !doc.ok()) continue;  // absent: fine
      ASSERT_TRUE(doc.ok()) << fault << ": acknowledged " << w.document
                            << " is lost: " << doc.status();
      auto read = archive.blobs().ReadVerified(hex, w.content.size());
      ASSERT_TRUE(read.ok())
          << fault << ": content of " << w.document
          << (w.acknowledged ? " (acknowledged)" : "") << ": " << read.status();
      EXPECT_EQ(*read, w.content) << fault;
      if (!w.acknowledged) continue;
      EXPECT_TRUE(archive.GetRevision(w.revision_id).ok()) << fault;
      ExpectExtends(archive, w.checkpoint, fault);
    }
    auto scrub = archive.Scrub();
    ASSERT_TRUE(scrub.ok()) << fault << ": " << scrub.status();
    EXPECT_TRUE(scrub->log_problems.empty())
        << fault << ": " << scrub->log_problems.front();
    EXPECT_TRUE(scrub->damaged.empty()) << fault;
  }

  void ExpectExtends(Archive& archive, const SignedCheckpoint& then,
                     const std::string& fault) {
    SignedCheckpoint now = archive.LatestCheckpoint();
    ASSERT_GE(now.size, then.size) << fault << ": the log shrank";
    if (then.size == 0) return;
    auto proof = archive.ConsistencyProof(then.size, now.size);
    ASSERT_TRUE(proof.ok()) << fault << ": " << proof.status();
    EXPECT_TRUE(
        VerifyConsistency(then.size, now.size, then.root, now.root, *proof)
            .ok())
        << fault << ": the log contradicts a checkpoint a receipt carried";
  }

  // Every fault point of every kind, for one operation.
  void Sweep(const Operation& operation, bool fresh = false) {
    for (int k = 0; k < static_cast<int>(FileOp::kCount); ++k) {
      FileOp op = static_cast<FileOp>(k);
      int total = RunOnce(operation, op, 0, fresh);
      // A couple beyond the count: background writes vary from run to run.
      for (int n = 1; n <= total + 2; ++n) {
        RunOnce(operation, op, n, fresh);
        if (HasFatalFailure()) return;
      }
      points_ += total;
    }
    std::printf("fault sweep: %d fault points, %d runs checked\n", points_,
                runs_);
  }

  static ScopedTempDir* imports_dir_;
  static std::vector<std::pair<std::string, std::string>>* imports_;
  FaultPlan plan_;
  FaultyEnv env_{Env::Default(), &plan_};
  // Over preallocated logs, as archived writes them (64 KiB of zeros at a
  // time, so the sweeps' logs grow past their zeros too).
  PreallocatedLogEnv logs_{leveldb::Env::Default(), 64 << 10};
  FaultyLevelDbEnv leveldb_env_{&plan_, &logs_};
  int points_ = 0, runs_ = 0;
  size_t write_buffer_bytes_ = 16 << 20;
  uint64_t journal_segment_bytes_ = 64 << 20;
};

ScopedTempDir* FaultSweep::imports_dir_ = nullptr;
std::vector<std::pair<std::string, std::string>>* FaultSweep::imports_ =
    nullptr;

TEST_F(FaultSweep, SmallPut) {
  Sweep([](Archive& a) {
    return std::vector<Written>{Put(a, "small", "a small policy\n")};
  });
}

TEST_F(FaultSweep, LargePut) {
  Sweep([](Archive& a) {
    return std::vector<Written>{Put(a, "large", std::string(64 << 10, 'L'))};
  });
}

TEST_F(FaultSweep, ConcurrentPutsInOneBatch) {
  Sweep([](Archive& a) {
    std::vector<Written> out(4);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&a, &out, i] {
        out[i] = Put(a, absl::StrCat("batch-", i),
                     absl::StrCat("batched policy ", i, "\n"));
      });
    }
    for (std::thread& t : threads) t.join();
    return out;
  });
}

TEST_F(FaultSweep, Import) {
  Sweep([](Archive& a) {
    std::vector<Written> out;
    for (const auto& [statement, content] : *imports_) {
      Written w;
      w.content = content;
      auto note = ParseNote(statement);
      auto parsed = note.ok() ? ParseStatement(note->text) : note.status();
      EXPECT_TRUE(parsed.ok()) << parsed.status();
      if (parsed.ok()) w.document = parsed->document;
      auto writer = a.blobs().NewWriter(content.size());
      std::shared_ptr<const VerifiedBlob> sealed;
      if (writer.ok() && (*writer)->Append(content).ok()) {
        auto s = (*writer)->Seal(Sha256::HexDigest(content), content.size());
        if (s.ok()) sealed = *s;
      }
      PeerProgress progress;
      progress.peer_origin = "peer.archive.example";
      progress.next_index = out.size() + 1;
      Record(a.Import(statement, progress, sealed), &w);
      out.push_back(std::move(w));
    }
    return out;
  });
}

TEST_F(FaultSweep, PutsThatFlushTheMemtableAndCompact) {
  // A 16 KiB memtable: these puts make LevelDB write tables and a new
  // manifest, the writes a compaction that hits a full disk fails in.
  write_buffer_bytes_ = 16 << 10;
  Sweep([](Archive& a) {
    std::vector<Written> out;
    for (int i = 0; i < 24; ++i) {
      out.push_back(Put(a, absl::StrCat("flush-", i),
                        absl::StrCat(i, std::string(900, 'f'))));
    }
    return out;
  });
}

TEST_F(FaultSweep, PutsThatRollJournalSegments) {
  // 4 KiB journal segments: most of these puts fill one, so the store flushes
  // LevelDB's memtable, moves its journal marker and starts the next segment
  // (recoverable_db.h), the steps a crash or a full disk can cut anywhere.
  journal_segment_bytes_ = 4 << 10;
  Sweep([](Archive& a) {
    std::vector<Written> out;
    for (int i = 0; i < 8; ++i) {
      out.push_back(Put(a, absl::StrCat("roll-", i),
                        absl::StrCat(i, std::string(2500, 'r'))));
    }
    return out;
  });
}

TEST_F(FaultSweep, OpeningANewArchive) {
  Sweep([](Archive& a) { return std::vector<Written>{Put(a, "first", "1\n")}; },
        /*fresh=*/true);
}

}  // namespace
}  // namespace archive
