// Issue 4, faults during a pull, each injected for real: a peer that is down,
// a peer that is not trusted (or relays an untrusted office's statements), a
// damaged blob file on the peer's disk, a lying peer (a gRPC proxy in this
// process in front of a real archived that corrupts blobs, statements,
// inclusion proofs or checkpoints, cuts transfers, stalls or is slow), and a
// peer whose log was rewritten (forked) or rolled back (shrank). Each fault
// stops the pull with a clear error in `archivectl sync` and the server log,
// imports nothing unverified, leaves the puller's data and cursor intact, and
// the next pull after the fault is removed resumes where it stopped.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "archive/v1/archive.grpc.pb.h"
#include "clients/api/archive_client.h"
#include "tests/integration/sync_test_util.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

// A stalled peer must not hold a pull (and with it the server's sync worker)
// longer than this.
constexpr auto kStallBound = std::chrono::seconds(20);

// Changes one base64 character in the middle of the last signature line of a
// signed note, so only a signature check can notice.
std::string DamageSignature(std::string note) {
  size_t line = note.rfind("\n", note.size() - 2);
  size_t space = note.rfind(' ');
  if (line == std::string::npos || space == std::string::npos || space < line) {
    return note + "damaged";
  }
  size_t pos = space + 1 + (note.size() - space) / 2;
  note[pos] = note[pos] == 'A' ? 'B' : 'A';
  return note;
}

// Changes one character of the root hash line (the third) of a checkpoint.
std::string DamageCheckpoint(std::string note) {
  size_t first = note.find('\n');
  size_t second = note.find('\n', first + 1);
  size_t pos = second + 5;
  note[pos] = note[pos] == 'A' ? 'B' : 'A';
  return note;
}

// A gRPC peer in front of a real archived that tells the truth, or a chosen
// lie about one log entry (`index`) or one blob (`blob`).
class LyingProxy final : public v1::Archive::Service {
 public:
  enum class Lie {
    kNone,
    kCorruptBlob,      // flips a byte of the blob
    kTruncateBlob,     // sends half the blob's chunks, then ends OK
    kCutMidBlob,       // sends half the blob's chunks, then fails
    kOversizeBlob,     // sends the blob and then some more bytes
    kBadSignature,     // entry `index`: its statement's signature altered
    kForgedStatement,  // entry `index`: statement text altered, old signature
    kBadInclusion,     // entry `index`: a hash of its inclusion proof altered
    kCutLog,           // the log stream fails before entry `index`
    kEndLogEarly,      // the log stream ends (OK) before entry `index`
    kBadCheckpoint,    // the checkpoint's root hash altered
    kStaleCheckpoint,  // an older checkpoint of the peer (remembered earlier)
    kStall,            // nothing more after entry `index` - 1 until released
    kSlow,             // honest, but 20 ms per entry and per chunk
    kCorruptInline,    // entry `index`: a byte of its inline content flipped
    kOversizeInline,   // entry `index`: its inline content and some more
  };

  explicit LyingProxy(const std::string& upstream)
      : stub_(v1::Archive::NewStub(ArchiveClient::Dial(upstream))) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~LyingProxy() override {
    Release();
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(2));
  }

  bool running() const { return server_ != nullptr && port_ != 0; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

  void Tell(Lie lie, uint64_t index = 0, std::string blob = "") {
    std::lock_guard<std::mutex> lock(mu_);
    lie_ = lie;
    index_ = index;
    blob_ = std::move(blob);
  }
  // Remembers the peer's current checkpoint, for kStaleCheckpoint.
  void RememberCheckpoint() {
    grpc::ClientContext ctx;
    v1::GetCheckpointResponse response;
    grpc::Status s =
        stub_->GetCheckpoint(&ctx, v1::GetCheckpointRequest(), &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
    std::lock_guard<std::mutex> lock(mu_);
    remembered_ = response;
  }
  // Ends the calls stalled so far with an error.
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    ++releases_;
    cv_.notify_all();
  }
  int blob_requests() const { return blob_requests_; }
  int stalled_calls() const { return stalled_calls_; }

  grpc::Status GetCheckpoint(grpc::ServerContext*,
                             const v1::GetCheckpointRequest* request,
                             v1::GetCheckpointResponse* response) override {
    grpc::ClientContext up;
    grpc::Status s = stub_->GetCheckpoint(&up, *request, response);
    if (!s.ok()) return s;
    std::lock_guard<std::mutex> lock(mu_);
    if (lie_ == Lie::kBadCheckpoint) {
      response->set_checkpoint(DamageCheckpoint(response->checkpoint()));
    } else if (lie_ == Lie::kStaleCheckpoint) {
      *response = remembered_;
    }
    return grpc::Status::OK;
  }

  grpc::Status GetConsistencyProof(
      grpc::ServerContext*, const v1::GetConsistencyProofRequest* request,
      v1::GetConsistencyProofResponse* response) override {
    grpc::ClientContext up;
    return stub_->GetConsistencyProof(&up, *request, response);
  }

  grpc::Status ReadLog(
      grpc::ServerContext* ctx, const v1::ReadLogRequest* request,
      grpc::ServerWriter<v1::ReadLogResponse>* writer) override {
    grpc::ClientContext up;
    auto reader = stub_->ReadLog(&up, *request);
    v1::ReadLogResponse entry;
    while (reader->Read(&entry)) {
      Lie lie;
      uint64_t index;
      {
        std::lock_guard<std::mutex> lock(mu_);
        lie = lie_;
        index = index_;
      }
      if (entry.index() == index) {
        if (lie == Lie::kCutLog) {
          return Abandon(
              &up, reader.get(),
              absl::StrCat("proxy cut the connection before entry ", index));
        }
        if (lie == Lie::kEndLogEarly) {
          up.TryCancel();
          reader->Finish().ok();
          return grpc::Status::OK;
        }
        if (lie == Lie::kStall) {
          Stall(ctx);
          return Abandon(&up, reader.get(), "proxy stalled, then gave up");
        }
        if (lie == Lie::kBadSignature) {
          entry.set_signed_statement(DamageSignature(entry.signed_statement()));
        }
        if (lie == Lie::kForgedStatement) {
          entry.set_signed_statement(absl::StrReplaceAll(
              entry.signed_statement(),
              {{"submitted-by local\n", "submitted-by lokal\n"}}));
        }
        if (lie == Lie::kBadInclusion && entry.inclusion_size() > 0) {
          std::string* hash = entry.mutable_inclusion(0);
          (*hash)[0] = static_cast<char>((*hash)[0] ^ 1);
        }
        if (lie == Lie::kCorruptInline && !entry.content().empty()) {
          std::string* bytes = entry.mutable_content();
          (*bytes)[bytes->size() / 2] ^= 0x20;
        }
        if (lie == Lie::kOversizeInline && entry.has_content()) {
          entry.mutable_content()->append("and some more bytes");
        }
      }
      if (lie == Lie::kSlow) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (!writer->Write(entry)) {
        return Abandon(&up, reader.get(), "the puller went away");
      }
    }
    return reader->Finish();
  }

  grpc::Status GetBlob(
      grpc::ServerContext*, const v1::GetBlobRequest* request,
      grpc::ServerWriter<v1::GetBlobResponse>* writer) override {
    ++blob_requests_;
    grpc::ClientContext up;
    auto reader = stub_->GetBlob(&up, *request);
    std::vector<v1::GetBlobResponse> chunks;
    v1::GetBlobResponse chunk;
    while (reader->Read(&chunk)) chunks.push_back(chunk);
    grpc::Status upstream = reader->Finish();
    Lie lie;
    {
      std::lock_guard<std::mutex> lock(mu_);
      lie = request->sha256() == blob_ ? lie_ : Lie::kNone;
      if (lie_ == Lie::kSlow) lie = Lie::kSlow;
    }
    size_t send = chunks.size();
    if (lie == Lie::kTruncateBlob || lie == Lie::kCutMidBlob) send /= 2;
    if (lie == Lie::kCorruptBlob && !chunks.empty()) {
      std::string* bytes = chunks[0].mutable_chunk();
      if (!bytes->empty()) (*bytes)[bytes->size() / 2] ^= 0x20;
    }
    for (size_t i = 0; i < send; ++i) {
      if (lie == Lie::kSlow) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (!writer->Write(chunks[i])) break;
    }
    if (lie == Lie::kOversizeBlob && upstream.ok()) {
      v1::GetBlobResponse extra;
      extra.set_chunk("and some more bytes");
      writer->Write(extra);
    }
    if (lie == Lie::kTruncateBlob) return grpc::Status::OK;
    if (lie == Lie::kCutMidBlob) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "proxy cut the connection mid-blob");
    }
    return upstream;
  }

 private:
  template <typename Reader>
  grpc::Status Abandon(grpc::ClientContext* up, Reader* reader,
                       const std::string& why) {
    up->TryCancel();
    reader->Finish().ok();
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, why);
  }

  void Stall(grpc::ServerContext* ctx) {
    ++stalled_calls_;
    std::unique_lock<std::mutex> lock(mu_);
    int releases = releases_;
    while (releases_ == releases && !ctx->IsCancelled()) {
      cv_.wait_for(lock, std::chrono::milliseconds(50));
    }
  }

  std::unique_ptr<v1::Archive::Stub> stub_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  Lie lie_ = Lie::kNone;
  uint64_t index_ = 0;
  std::string blob_;
  int releases_ = 0;
  v1::GetCheckpointResponse remembered_;
  std::atomic<int> blob_requests_{0};
  std::atomic<int> stalled_calls_{0};
};

// Deterministic bytes that are not text, `size` long.
std::string BinaryContent(size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(size, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

bool DirEmptyOrMissing(const std::string& dir) {
  std::error_code ec;
  return !fs::exists(dir, ec) || fs::is_empty(dir, ec);
}

// Offices A (the peer) and B (the puller, trusting A), and what B holds.
class SyncFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = Office::Start("gx.archive.example");
    b_ = Office::Start("bj-sh.archive.example");
    ASSERT_TRUE(a_->server().running());
    ASSERT_TRUE(b_->server().running());
    b_->Trust({a_.get()});
    keys_ =
        WriteTrustFile(b_->scratch() + "/a-and-b.keys", {a_.get(), b_.get()});
  }

  std::string Logs() {
    return absl::StrCat("\n--- A's log:\n", a_->Log(), "\n--- B's log:\n",
                        b_->Log());
  }

  // Puts document `doc` into A with `content`; remembers its digest.
  std::string PutIntoA(const std::string& doc, const std::string& content) {
    digests_[doc] = BytesSha256(content);
    contents_[doc] = content;
    return a_->PutText(doc, content);
  }

  struct Snapshot {
    uint64_t tree_size = 0;
    std::set<std::string> documents;
    std::vector<std::string> log;
  };
  Snapshot Take(const Office& office) {
    return Snapshot{office.TreeSize(), office.DocumentIds(),
                    office.LogRevisionIds()};
  }

  // A pull of `peer` by B that must fail with every part of `error` in
  // archivectl's message and in B's server log.
  void ExpectPullFails(const std::string& peer,
                       const std::vector<std::string>& error) {
    ProcessResult r = b_->Sync(peer);
    ASSERT_NE(r.exit_code, 0)
        << "the pull should have failed: " << Describe(r) << Logs();
    EXPECT_TRUE(ContainsAll(r.err, error))
        << "archivectl sync's error should name [" << absl::StrJoin(error, "; ")
        << "]: " << Describe(r) << Logs();
    std::string failed = "pull from " + peer + " failed: ";
    std::string log = b_->Log();
    size_t line = log.rfind(failed);
    ASSERT_NE(line, std::string::npos)
        << "B's log does not report the failed pull" << Logs();
    std::string logged = log.substr(line, log.find('\n', line) - line);
    EXPECT_TRUE(ContainsAll(logged, error))
        << "B's log line should name [" << absl::StrJoin(error, "; ")
        << "]: " << logged;
  }

  // Every document of A that B holds is byte-exact at B.
  void ExpectContentsAtB(const std::set<std::string>& docs) {
    TempDir out;
    for (const std::string& doc : docs) {
      if (!contents_.count(doc)) continue;
      std::string path = out.path() + "/" + doc;
      ProcessResult r = b_->Ctl({"--trust", keys_, "get", doc, "-o", path});
      ASSERT_EQ(r.exit_code, 0) << "get " << doc << " at B: " << Describe(r);
      EXPECT_EQ(FileSha256(path), digests_[doc]) << doc;
    }
  }

  std::unique_ptr<Office> a_, b_;
  std::string keys_;  // A's and B's keys, for archivectl --trust
  std::map<std::string, std::string> digests_, contents_;
};

TEST_F(SyncFaults, PeerDownFailsClearlyAndChangesNothing) {
  ASSERT_FALSE(PutIntoA("gx-a0", "notice zero\n").empty());
  Snapshot before = Take(*b_);
  std::string nobody = absl::StrCat("127.0.0.1:", FreePort());
  ASSERT_NO_FATAL_FAILURE(ExpectPullFails(nobody, {nobody, "unavailable"}));
  Snapshot after = Take(*b_);
  EXPECT_EQ(after.tree_size, before.tree_size);
  EXPECT_EQ(after.documents, before.documents);
  // The real peer is still pulled fine afterwards.
  Json ok = b_->SyncOk(a_->address());
  ASSERT_FALSE(ok.is_discarded());
  EXPECT_EQ(ok.value("imported", 0), 1) << ok.dump();
}

TEST_F(SyncFaults, UntrustedPeerIsRefusedUntilTrusted) {
  ASSERT_FALSE(PutIntoA("gx-a0", "notice zero\n").empty());
  b_->Trust({});  // B trusts nobody but itself
  ASSERT_NO_FATAL_FAILURE(
      ExpectPullFails(a_->address(), {a_->origin(), "not trusted"}));
  EXPECT_EQ(b_->TreeSize(), 0u);
  EXPECT_TRUE(b_->DocumentIds().empty());
  // Trusting A takes effect at the next pull, without a restart.
  b_->Trust({a_.get()});
  Json ok = b_->SyncOk(a_->address());
  ASSERT_FALSE(ok.is_discarded());
  EXPECT_EQ(ok.value("imported", 0), 1) << ok.dump();
}

TEST_F(SyncFaults, StatementOfAnUntrustedThirdOfficeStopsThePull) {
  auto c = Office::Start("tj.archive.example");
  ASSERT_TRUE(c->server().running());
  a_->Trust({c.get()});
  ASSERT_FALSE(PutIntoA("gx-a0", "notice zero\n").empty());
  ASSERT_FALSE(c->PutText("tj-c0", "Tianjin notice\n").empty());
  ASSERT_FALSE(a_->SyncOk(c->address()).is_discarded()) << Logs();
  ASSERT_FALSE(PutIntoA("gx-a1", "notice one\n").empty());
  // A's log: gx-a0, tj-c0 (signed by C), gx-a1. B trusts A but not C.
  ASSERT_NO_FATAL_FAILURE(
      ExpectPullFails(a_->address(), {"entry 1", c->origin(), "not trusted"}));
  EXPECT_EQ(b_->DocumentIds(), (std::set<std::string>{"gx-a0"}));
  b_->Trust({a_.get(), c.get()});
  Json ok = b_->SyncOk(a_->address());
  ASSERT_FALSE(ok.is_discarded());
  EXPECT_EQ(ok.value("start_index", -1), 1) << ok.dump();
  EXPECT_EQ(ok.value("imported", 0), 2) << ok.dump();
  Json h = b_->History("tj-c0");
  ASSERT_FALSE(h.is_discarded());
  EXPECT_EQ(h["revisions"][0].value("origin", ""), c->origin()) << h.dump();
}

TEST_F(SyncFaults, DamagedBlobOnThePeersDiskStopsThePullUntilRepaired) {
  ASSERT_FALSE(PutIntoA("gx-a0", "notice zero\n").empty());
  ASSERT_FALSE(b_->SyncOk(a_->address()).is_discarded());
  ASSERT_FALSE(PutIntoA("gx-a1", "notice one\n").empty());
  std::string big = BinaryContent(600 << 10, 7);
  ASSERT_FALSE(PutIntoA("gx-a2", big).empty());
  std::string digest = digests_["gx-a2"];

  // Flip a byte of A's blob file: A refuses to serve it (DATA_LOSS).
  std::string blob = a_->BlobPath(digest);
  ASSERT_TRUE(fs::exists(blob)) << blob;
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  std::string damaged = big;
  damaged[damaged.size() - 100] ^= 0x01;
  WriteFileOrDie(blob, damaged);
  ProcessResult own = a_->Ctl({"get", "gx-a2", "-o", a_->scratch() + "/x"});
  EXPECT_NE(own.exit_code, 0) << "A served its damaged blob: " << Describe(own);

  ASSERT_NO_FATAL_FAILURE(ExpectPullFails(a_->address(), {"entry 2", digest}));
  EXPECT_EQ(b_->TreeSize(), 2u)
      << "entry 1 was verified and imported" << Logs();
  EXPECT_EQ(b_->DocumentIds(), (std::set<std::string>{"gx-a0", "gx-a1"}));
  EXPECT_FALSE(fs::exists(b_->BlobPath(digest)))
      << "B stored the damaged bytes";
  EXPECT_TRUE(DirEmptyOrMissing(b_->data_dir() + "/blobs/tmp"));

  // A's blob is repaired: the next pull resumes at entry 2.
  WriteFileOrDie(blob, big);
  Json ok = b_->SyncOk(a_->address());
  ASSERT_FALSE(ok.is_discarded());
  EXPECT_EQ(ok.value("start_index", -1), 2) << ok.dump();
  EXPECT_EQ(ok.value("imported", 0), 1) << ok.dump();
  ASSERT_NO_FATAL_FAILURE(ExpectContentsAtB(b_->DocumentIds()));
}

// One lie of the proxy: what it is, where B stands after it, what the error
// must name ("{blob}" stands for the lied-about blob's digest, "{proxy}" for
// the proxy's address).
struct LieCase {
  const char* name;
  LyingProxy::Lie lie;
  uint64_t b_size_after;
  std::vector<std::string> error;
};

void PrintTo(const LieCase& lie, std::ostream* os) { *os << lie.name; }

class SyncLyingPeer : public SyncFaults,
                      public ::testing::WithParamInterface<LieCase> {};

// A holds 3 documents that B already pulled through the proxy, then 2 more;
// the lie concerns entry 4 (gx-a4, whose content is a 1 MiB blob).
TEST_P(SyncLyingPeer, PullFailsImportsNothingUnverifiedThenResumes) {
  const LieCase& lie = GetParam();
  LyingProxy proxy(a_->address());
  ASSERT_TRUE(proxy.running());
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(
        PutIntoA(absl::StrCat("gx-a", i), absl::StrCat("notice ", i, "\n"))
            .empty());
    if (i == 1) proxy.RememberCheckpoint();  // size 2, for kStaleCheckpoint
  }
  Json first = b_->SyncOk(proxy.address());
  ASSERT_FALSE(first.is_discarded()) << Logs();
  ASSERT_EQ(first.value("imported", 0), 3) << first.dump();
  ASSERT_FALSE(PutIntoA("gx-a3", "notice 3\n").empty());
  ASSERT_FALSE(PutIntoA("gx-a4", BinaryContent(1 << 20, 4)).empty());
  std::string blob = digests_["gx-a4"];

  proxy.Tell(lie.lie, 4, blob);
  std::vector<std::string> error;
  for (const std::string& part : lie.error) {
    error.push_back(absl::StrReplaceAll(
        part, {{"{blob}", blob}, {"{proxy}", proxy.address()}}));
  }
  ASSERT_NO_FATAL_FAILURE(ExpectPullFails(proxy.address(), error));

  // Only what was verified before the lie was imported.
  Snapshot after = Take(*b_);
  EXPECT_EQ(after.tree_size, lie.b_size_after) << Logs();
  std::set<std::string> want;
  for (uint64_t i = 0; i < lie.b_size_after; ++i)
    want.insert(absl::StrCat("gx-a", i));
  EXPECT_EQ(after.documents, want);
  EXPECT_FALSE(fs::exists(b_->BlobPath(blob)))
      << "B kept bytes the proxy lied about";
  EXPECT_TRUE(DirEmptyOrMissing(b_->data_dir() + "/blobs/tmp"));
  std::vector<std::string> a_log = a_->LogRevisionIds();
  ASSERT_EQ(a_log.size(), 5u);
  EXPECT_TRUE(std::equal(after.log.begin(), after.log.end(), a_log.begin()))
      << "B's log is not a prefix of A's";

  // The peer tells the truth again: the pull resumes where it stopped.
  proxy.Tell(LyingProxy::Lie::kNone);
  int blob_requests = proxy.blob_requests();
  Json ok = b_->SyncOk(proxy.address());
  ASSERT_FALSE(ok.is_discarded()) << Logs();
  EXPECT_EQ(ok.value("start_index", uint64_t{99}), lie.b_size_after)
      << "the cursor moved past (or fell behind) the verified entries: "
      << ok.dump();
  EXPECT_EQ(ok.value("imported", uint64_t{0}), 5 - lie.b_size_after)
      << ok.dump();
  // gx-a3's few bytes come inside its log entry; gx-a4's 1 MiB does not.
  EXPECT_EQ(proxy.blob_requests() - blob_requests, 1)
      << "B should fetch exactly the one blob it lacks that is too big to "
         "come inside its log entry";
  EXPECT_EQ(b_->LogRevisionIds(), a_log);
  ASSERT_NO_FATAL_FAILURE(ExpectContentsAtB(b_->DocumentIds()));
  EXPECT_EQ(b_->DocumentIds().size(), 5u);
}

INSTANTIATE_TEST_SUITE_P(
    Lies, SyncLyingPeer,
    ::testing::Values(
        LieCase{"CorruptBlob",
                LyingProxy::Lie::kCorruptBlob,
                4,
                {"{proxy}", "entry 4", "sha256:{blob}", "does not match"}},
        LieCase{"TruncatedBlob",
                LyingProxy::Lie::kTruncateBlob,
                4,
                {"{proxy}", "entry 4", "sha256:{blob}"}},
        LieCase{"ConnectionCutMidBlob",
                LyingProxy::Lie::kCutMidBlob,
                4,
                {"{proxy}", "entry 4", "proxy cut the connection mid-blob"}},
        LieCase{"OversizeBlob",
                LyingProxy::Lie::kOversizeBlob,
                4,
                {"{proxy}", "entry 4", "sha256:{blob}", "more than"}},
        LieCase{"BadStatementSignature",
                LyingProxy::Lie::kBadSignature,
                4,
                {"{proxy}", "entry 4", "statement signature"}},
        LieCase{"ForgedStatement",
                LyingProxy::Lie::kForgedStatement,
                4,
                {"{proxy}", "entry 4", "statement signature"}},
        LieCase{"BadInclusionProof",
                LyingProxy::Lie::kBadInclusion,
                4,
                {"{proxy}", "entry 4", "not in the peer's signed checkpoint"}},
        LieCase{"ConnectionCutMidLog",
                LyingProxy::Lie::kCutLog,
                4,
                {"{proxy}", "proxy cut the connection before entry 4"}},
        LieCase{"LogEndsEarly",
                LyingProxy::Lie::kEndLogEarly,
                4,
                {"{proxy}", "ended at entry 4 of 5"}},
        LieCase{"BadCheckpointSignature",
                LyingProxy::Lie::kBadCheckpoint,
                3,
                {"{proxy}", "checkpoint signature"}},
        LieCase{"StaleCheckpoint",
                LyingProxy::Lie::kStaleCheckpoint,
                3,
                {"{proxy}", "shrank", "3", "size 2"}}),
    [](const ::testing::TestParamInfo<LieCase>& info) {
      return std::string(info.param.name);
    });

// Small contents come inside the log entries (ReadLogRequest.inline_max_bytes):
// B makes no GetBlob call for them, and checks them exactly as fetched ones.
TEST_F(SyncFaults, InlineContentIsCheckedLikeAFetchedBlob) {
  LyingProxy proxy(a_->address());
  ASSERT_TRUE(proxy.running());
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(
        PutIntoA(absl::StrCat("gx-s", i), absl::StrCat("notice ", i, "\n"))
            .empty());
  }
  const std::pair<LyingProxy::Lie, const char*> lies[] = {
      {LyingProxy::Lie::kCorruptInline, "does not match"},
      {LyingProxy::Lie::kOversizeInline, "more than"}};
  for (const auto& [lie, words] : lies) {
    proxy.Tell(lie, 1);
    ASSERT_NO_FATAL_FAILURE(ExpectPullFails(
        proxy.address(),
        {proxy.address(), "entry 1", "sha256:" + digests_["gx-s1"], words}));
    EXPECT_EQ(b_->TreeSize(), 1u) << Logs();
    EXPECT_EQ(b_->DocumentIds(), std::set<std::string>{"gx-s0"});
  }
  proxy.Tell(LyingProxy::Lie::kNone);
  Json ok = b_->SyncOk(proxy.address());
  ASSERT_FALSE(ok.is_discarded()) << Logs();
  EXPECT_EQ(ok.value("imported", 0), 2) << ok.dump();
  EXPECT_EQ(proxy.blob_requests(), 0)
      << "small contents should have come inside their log entries";
  ASSERT_NO_FATAL_FAILURE(ExpectContentsAtB(b_->DocumentIds()));
  EXPECT_EQ(b_->LogRevisionIds(), a_->LogRevisionIds());
}

// A reader that does not ask for contents (any older office) gets entries as
// before; one that does gets those within its limit, byte-exact.
TEST_F(SyncFaults, ReadLogCarriesContentsOnlyWhenAskedAndWithinTheLimit) {
  ASSERT_FALSE(PutIntoA("gx-small", "notice\n").empty());
  ASSERT_FALSE(PutIntoA("gx-larger", std::string(100, 'x')).empty());
  auto stub = v1::Archive::NewStub(ArchiveClient::Dial(a_->address()));
  auto read = [&](uint64_t inline_max_bytes) {
    grpc::ClientContext ctx;
    v1::ReadLogRequest request;
    request.set_inline_max_bytes(inline_max_bytes);
    auto reader = stub->ReadLog(&ctx, request);
    std::vector<v1::ReadLogResponse> entries;
    v1::ReadLogResponse entry;
    while (reader->Read(&entry)) entries.push_back(entry);
    EXPECT_TRUE(reader->Finish().ok());
    return entries;
  };
  std::vector<v1::ReadLogResponse> plain = read(0);
  ASSERT_EQ(plain.size(), 2u);
  EXPECT_FALSE(plain[0].has_content());
  EXPECT_FALSE(plain[1].has_content());
  std::vector<v1::ReadLogResponse> small = read(50);
  ASSERT_EQ(small.size(), 2u);
  ASSERT_TRUE(small[0].has_content());
  EXPECT_EQ(small[0].content(), "notice\n");
  EXPECT_FALSE(small[1].has_content()) << "100 bytes is over the limit of 50";
  EXPECT_EQ(read(100)[1].content(), std::string(100, 'x'));
}

TEST_F(SyncFaults, SlowPeerStillCompletes) {
  LyingProxy proxy(a_->address());
  ASSERT_TRUE(proxy.running());
  for (int i = 0; i < 5; ++i) {
    ASSERT_FALSE(PutIntoA(absl::StrCat("gx-a", i),
                          i == 4 ? BinaryContent(1 << 20, 9)
                                 : absl::StrCat("notice ", i, "\n"))
                     .empty());
  }
  proxy.Tell(LyingProxy::Lie::kSlow);
  Json ok = b_->SyncOk(proxy.address());
  ASSERT_FALSE(ok.is_discarded()) << Logs();
  EXPECT_EQ(ok.value("imported", 0), 5) << ok.dump();
  EXPECT_EQ(b_->LogRevisionIds(), a_->LogRevisionIds());
  ASSERT_NO_FATAL_FAILURE(ExpectContentsAtB(b_->DocumentIds()));
}

// A peer's checkpoint of size 0 is a valid (empty) log, even if entries were
// appended since (here the proxy serves an old empty checkpoint; in real life
// a first put lands between the puller's GetCheckpoint and ReadLog calls).
TEST_F(SyncFaults, PeerAtAnEmptyCheckpointIsPulledWithoutError) {
  LyingProxy proxy(a_->address());
  ASSERT_TRUE(proxy.running());
  proxy.RememberCheckpoint();  // size 0
  ASSERT_FALSE(PutIntoA("gx-a0", "notice 0\n").empty());
  ASSERT_FALSE(PutIntoA("gx-a1", "notice 1\n").empty());
  proxy.Tell(LyingProxy::Lie::kStaleCheckpoint);
  Json empty = b_->SyncOk(proxy.address());
  ASSERT_FALSE(empty.is_discarded()) << Logs();
  EXPECT_EQ(empty.value("checkpoint_size", -1), 0) << empty.dump();
  EXPECT_EQ(empty.value("imported", -1), 0) << empty.dump();
  EXPECT_EQ(b_->TreeSize(), 0u);
  proxy.Tell(LyingProxy::Lie::kNone);
  Json ok = b_->SyncOk(proxy.address());
  ASSERT_FALSE(ok.is_discarded()) << Logs();
  EXPECT_EQ(ok.value("imported", -1), 2) << ok.dump();
}

// B asks `peer` for a pull through the Sync RPC, with our own deadline so a
// hang fails the test instead of blocking it.
grpc::Status SyncBefore(const std::string& server, const std::string& peer,
                        std::chrono::system_clock::time_point deadline,
                        v1::SyncResponse* response) {
  auto stub = v1::Archive::NewStub(ArchiveClient::Dial(server));
  grpc::ClientContext ctx;
  ctx.set_deadline(deadline);
  v1::SyncRequest request;
  request.set_peer(peer);
  return stub->Sync(&ctx, request, response);
}

TEST_F(SyncFaults, StalledPeerEndsThePullWithAnErrorInsteadOfHanging) {
  auto c = Office::Start("tj.archive.example");
  ASSERT_TRUE(c->server().running());
  ASSERT_FALSE(c->PutText("tj-c0", "Tianjin notice\n").empty());
  b_->Trust({a_.get(), c.get()});
  LyingProxy proxy(a_->address());
  ASSERT_TRUE(proxy.running());
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(
        PutIntoA(absl::StrCat("gx-a", i), absl::StrCat("notice ", i, "\n"))
            .empty());
  }
  proxy.Tell(LyingProxy::Lie::kStall, 1);
  auto started = std::chrono::steady_clock::now();
  auto deadline = std::chrono::system_clock::now() + kStallBound;
  v1::SyncResponse stalled_response;
  auto stalled = std::async(std::launch::async, [&] {
    return SyncBefore(b_->address(), proxy.address(), deadline,
                      &stalled_response);
  });
  // Once the proxy holds the pull, B is asked to pull office C as well.
  while (proxy.stalled_calls() == 0 &&
         std::chrono::steady_clock::now() < started + kStallBound) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(proxy.stalled_calls(), 1) << Logs();
  v1::SyncResponse other_response;
  grpc::Status other =
      SyncBefore(b_->address(), c->address(), deadline, &other_response);
  grpc::Status s = stalled.get();
  std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - started;
  EXPECT_NE(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << "a peer that stops sending held B's pull for " << took.count()
      << " s with no error" << Logs();
  EXPECT_FALSE(s.ok()) << "the stalled pull cannot have succeeded";
  EXPECT_TRUE(absl::StrContains(s.error_message(), proxy.address()))
      << s.error_message();
  EXPECT_TRUE(other.ok())
      << "a pull from office C, asked for while the stalled pull was held, "
         "did not complete within "
      << kStallBound.count() << " s: " << other.error_message();
  EXPECT_EQ(other_response.imported(), 1u);

  // Release the stall (ending a hung pull, if there is one), then the next
  // honest pull resumes after the verified entry 0.
  proxy.Release();
  proxy.Tell(LyingProxy::Lie::kNone);
  Json ok = b_->SyncOk(proxy.address());
  ASSERT_FALSE(ok.is_discarded()) << Logs();
  EXPECT_EQ(ok.value("start_index", -1), 1) << ok.dump();
  EXPECT_EQ(ok.value("imported", -1), 2) << ok.dump();
}

// Copies a stopped server's data directory.
void CopyDataDir(TestServer& server, const std::string& to) {
  ASSERT_EQ(server.Stop(), 0) << server.log();
  fs::copy(server.data_dir(), to, fs::copy_options::recursive);
  ASSERT_TRUE(server.Restart()) << server.log();
}

TEST_F(SyncFaults, ForkedPeerLogIsRefusedAndNothingIsLost) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(
        PutIntoA(absl::StrCat("gx-a", i), absl::StrCat("notice ", i, "\n"))
            .empty());
  }
  std::string copy = a_->scratch() + "/data-at-3";
  ASSERT_NO_FATAL_FAILURE(CopyDataDir(a_->server(), copy));
  for (int i = 3; i < 6; ++i) {
    ASSERT_FALSE(
        PutIntoA(absl::StrCat("gx-a", i), absl::StrCat("notice ", i, "\n"))
            .empty());
  }
  ASSERT_FALSE(b_->SyncOk(a_->address()).is_discarded());
  Snapshot before = Take(*b_);
  ASSERT_EQ(before.tree_size, 6u);

  // A's history is rewritten from entry 3 on, under the same key.
  ASSERT_EQ(a_->server().Stop(), 0);
  auto forked = Office::Start(Office::Options{a_->origin(), copy, {}, 0});
  ASSERT_TRUE(forked->server().running());
  ASSERT_EQ(forked->verifier_key(), a_->verifier_key());
  for (int i = 3; i < 6; ++i) {
    ASSERT_FALSE(forked
                     ->PutText(absl::StrCat("gx-other-", i),
                               absl::StrCat("another notice ", i, "\n"))
                     .empty());
  }
  // Same size, different tree.
  ASSERT_NO_FATAL_FAILURE(ExpectPullFails(
      forked->address(), {forked->address(), "forked", "size 6"}));
  // Longer, still not an extension of what B saw.
  ASSERT_FALSE(forked->PutText("gx-other-6", "yet another\n").empty());
  ASSERT_NO_FATAL_FAILURE(ExpectPullFails(
      forked->address(), {forked->address(), "forked", "size 7", "size 6"}));
  Snapshot after = Take(*b_);
  EXPECT_EQ(after.tree_size, before.tree_size);
  EXPECT_EQ(after.documents, before.documents);
  EXPECT_EQ(after.log, before.log);
  ASSERT_NO_FATAL_FAILURE(ExpectContentsAtB(after.documents));

  // The real A back: B's cursor and base are intact.
  ASSERT_EQ(forked->server().Stop(), 0);
  ASSERT_TRUE(a_->server().Restart()) << a_->Log();
  Json ok = b_->SyncOk(a_->address());
  ASSERT_FALSE(ok.is_discarded());
  EXPECT_EQ(ok.value("start_index", -1), 6) << ok.dump();
  EXPECT_EQ(ok.value("imported", -1), 0) << ok.dump();
}

TEST_F(SyncFaults, ShrunkPeerLogIsRefusedAndNothingIsLost) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_FALSE(
        PutIntoA(absl::StrCat("gx-a", i), absl::StrCat("notice ", i, "\n"))
            .empty());
  }
  std::string copy = a_->scratch() + "/data-at-3";
  ASSERT_NO_FATAL_FAILURE(CopyDataDir(a_->server(), copy));
  for (int i = 3; i < 6; ++i) {
    ASSERT_FALSE(
        PutIntoA(absl::StrCat("gx-a", i), absl::StrCat("notice ", i, "\n"))
            .empty());
  }
  ASSERT_FALSE(b_->SyncOk(a_->address()).is_discarded());
  Snapshot before = Take(*b_);
  ASSERT_EQ(before.tree_size, 6u);

  // A is restored from the old copy: its log is back at size 3.
  ASSERT_EQ(a_->server().Stop(), 0);
  auto rolled_back = Office::Start(Office::Options{a_->origin(), copy, {}, 0});
  ASSERT_TRUE(rolled_back->server().running());
  ASSERT_NO_FATAL_FAILURE(ExpectPullFails(
      rolled_back->address(), {rolled_back->address(), "shrank", "6", "3"}));
  Snapshot after = Take(*b_);
  EXPECT_EQ(after.tree_size, before.tree_size);
  EXPECT_EQ(after.documents, before.documents);
  EXPECT_EQ(after.log, before.log);

  ASSERT_EQ(rolled_back->server().Stop(), 0);
  ASSERT_TRUE(a_->server().Restart()) << a_->Log();
  Json ok = b_->SyncOk(a_->address());
  ASSERT_FALSE(ok.is_discarded());
  EXPECT_EQ(ok.value("start_index", -1), 6) << ok.dump();
  EXPECT_EQ(ok.value("imported", -1), 0) << ok.dump();
}

// A pull interrupted part-way imported entries verified against a checkpoint
// it never recorded; if the peer then rewrites exactly those entries, the next
// pull must still notice the fork instead of appending the new history's
// later entries to the old one's earlier ones.
TEST_F(SyncFaults, ForkAfterAnInterruptedPullIsCaught) {
  ASSERT_FALSE(PutIntoA("gx-a0", "notice 0\n").empty());
  ASSERT_FALSE(b_->SyncOk(a_->address()).is_discarded());  // base: size 1
  std::string copy = a_->scratch() + "/data-at-1";
  ASSERT_NO_FATAL_FAILURE(CopyDataDir(a_->server(), copy));
  for (int i = 1; i < 6; ++i) {
    ASSERT_FALSE(
        PutIntoA(absl::StrCat("gx-a", i), absl::StrCat("notice ", i, "\n"))
            .empty());
  }
  {
    LyingProxy proxy(a_->address());
    ASSERT_TRUE(proxy.running());
    proxy.Tell(LyingProxy::Lie::kCutLog, 4);
    ASSERT_NO_FATAL_FAILURE(ExpectPullFails(
        proxy.address(), {"proxy cut the connection before entry 4"}));
  }
  Snapshot before = Take(*b_);
  ASSERT_EQ(before.tree_size, 4u) << Logs();

  // A's history is rewritten after entry 0, under the same key.
  ASSERT_EQ(a_->server().Stop(), 0);
  auto forked = Office::Start(Office::Options{a_->origin(), copy, {}, 0});
  ASSERT_TRUE(forked->server().running());
  for (int i = 1; i < 8; ++i) {
    ASSERT_FALSE(forked
                     ->PutText(absl::StrCat("gx-other-", i),
                               absl::StrCat("another notice ", i, "\n"))
                     .empty());
  }
  EXPECT_NO_FATAL_FAILURE(
      ExpectPullFails(forked->address(), {forked->address(), "forked"}));
  Snapshot after = Take(*b_);
  EXPECT_EQ(after.tree_size, before.tree_size)
      << "B mixed two histories of " << a_->origin() << ": "
      << absl::StrJoin(after.documents, ", ");
  EXPECT_EQ(after.documents, before.documents);
}

}  // namespace
}  // namespace archive::testing
