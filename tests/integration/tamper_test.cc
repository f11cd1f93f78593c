// Tampering with a stored archive must never go unnoticed by a client: a
// flipped byte in a statement, a log node hash, a blob or a checkpoint makes
// `archivectl get` fail with a message naming what failed and write nothing,
// and a server restarted on a rolled-back (truncated or forked) log is caught
// by a client that saw a later checkpoint, naming both sizes.
//
// LevelDB records are edited with the server stopped (only one process may
// open the store); the key layout is the one documented in storage/archive.h
// and storage/merkle_log.h.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "leveldb/db.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/db/merkle_log.h"
#include "tests/integration/test_harness.h"
#include "tests/unit/storage/db/stored_blob_damage.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

std::string NodeKey(int level, uint64_t index) {
  return absl::StrCat("n", std::string(1, static_cast<char>(level)),
                      BigEndian64(index));
}
std::string CheckpointKey(uint64_t size) { return "c/" + BigEndian64(size); }
std::string RevisionKey(const std::string& id) { return "r/" + id; }

// Opens the metadata store of a stopped server, hands it to `edit`, closes it.
void EditStore(const std::string& data_dir,
               const std::function<void(leveldb::DB*)>& edit) {
  leveldb::Options options;
  options.create_if_missing = false;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, data_dir + "/meta", &raw);
  ASSERT_TRUE(s.ok()) << "cannot open " << data_dir
                      << "/meta: " << s.ToString();
  std::unique_ptr<leveldb::DB> db(raw);
  edit(db.get());
}

std::string GetRecord(leveldb::DB* db, const std::string& key) {
  std::string value;
  leveldb::Status s = db->Get(leveldb::ReadOptions(), key, &value);
  EXPECT_TRUE(s.ok()) << "record " << absl::CHexEscape(key)
                      << " missing: " << s.ToString();
  return value;
}

void PutRecord(leveldb::DB* db, const std::string& key,
               const std::string& value) {
  leveldb::WriteOptions sync;
  sync.sync = true;
  leveldb::Status s = db->Put(sync, key, value);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

// A different base64 character at `pos`, so the text stays well-formed and
// only a signature or hash check can notice.
void ChangeBase64Char(std::string& s, size_t pos) {
  ASSERT_LT(pos, s.size());
  // Any base64 character ('+' and '/' included: the signature is random, so
  // either may sit at `pos`), replaced by another one.
  ASSERT_TRUE(absl::ascii_isalnum(static_cast<unsigned char>(s[pos])) ||
              s[pos] == '+' || s[pos] == '/')
      << "position " << pos << " of \"" << s << "\" is not a base64 letter";
  s[pos] = s[pos] == 'A' ? 'B' : 'A';
}

// True if `text` contains any of `phrases`, ignoring case.
bool MentionsAny(const std::string& text,
                 const std::vector<std::string>& phrases) {
  for (const std::string& p : phrases) {
    if (absl::StrContains(absl::AsciiStrToLower(text),
                          absl::AsciiStrToLower(p))) {
      return true;
    }
  }
  return false;
}

class Tamper : public ::testing::Test {
 protected:
  // Blobs as files, which the blob tests damage in place; TamperInline keeps
  // small ones in the metadata store (the default).
  virtual std::vector<std::string> ServerFlags() const {
    return {"--inline_blob_max_bytes=0"};
  }

  void SetUp() override {
    TestServer::Options options;
    options.extra_flags = ServerFlags();
    server_ = TestServer::Start(options);
    ASSERT_TRUE(server_->running());
    cli_ = std::make_unique<Cli>(server_->address());
  }

  // Puts `contents` as `doc`; returns the revision id.
  std::string Put(const std::string& doc, const std::string& contents,
                  const Cli* cli = nullptr) {
    std::string path = absl::StrCat(work_.path(), "/", doc, ".in");
    WriteFileOrDie(path, contents);
    ProcessResult r = (cli ? *cli : *cli_)
                          .Run({"put", path, "--id", doc, "--title",
                                "Policy " + doc, "--region", "test"});
    EXPECT_EQ(r.exit_code, 0) << "put " << doc << ": " << Describe(r);
    return std::string(absl::StripAsciiWhitespace(r.out));
  }

  // A verified get that must succeed (it also makes the client remember the
  // archive's current checkpoint).
  void ExpectGetWorks(const std::string& doc, const std::string& contents) {
    std::string out = absl::StrCat(work_.path(), "/ok-", doc, "-", ++gets_);
    ProcessResult r = cli_->Run({"get", doc, "-o", out});
    ASSERT_EQ(r.exit_code, 0) << "get " << doc << ": " << Describe(r);
    EXPECT_EQ(ReadFileOrDie(out), contents);
  }

  // A get that must fail, naming one of `phrases`, with nothing at the -o path
  // and no temporary file left beside it. Returns what archivectl said.
  ProcessResult ExpectGetFails(const std::string& doc,
                               const std::vector<std::string>& phrases) {
    TempDir out_dir;
    std::string out = out_dir.path() + "/out.txt";
    ProcessResult r = cli_->Run({"get", doc, "-o", out});
    EXPECT_NE(r.exit_code, 0)
        << "get " << doc << " succeeded on a tampered archive: " << Describe(r);
    EXPECT_TRUE(MentionsAny(r.err, phrases))
        << "get " << doc
        << " should name what failed (one of: " << absl::StrJoin(phrases, ", ")
        << "): " << Describe(r);
    EXPECT_FALSE(fs::exists(out)) << "get wrote " << out << " anyway";
    std::vector<std::string> left;
    for (const auto& entry : fs::directory_iterator(out_dir.path()))
      left.push_back(entry.path().filename().string());
    EXPECT_TRUE(left.empty())
        << "files left in the output directory: " << absl::StrJoin(left, " ");
    return r;
  }

  void StopServer() { ASSERT_EQ(server_->Stop(), 0) << server_->log(); }

  // The server must come back up on the edited store; if it refuses, the
  // test reports its log (a refusal is a finding to look at, not a pass).
  void RestartServer(const std::string& what) {
    ASSERT_TRUE(server_->Restart())
        << "archived did not start on a data dir with " << what
        << "; its log:\n"
        << server_->log();
  }

  // For damage the server can see for itself: it may refuse to start, as long
  // as the last line it wrote names the problem (one of `phrases`). Returns
  // true if it started.
  bool RestartUnlessRefused(const std::vector<std::string>& phrases) {
    if (server_->Restart()) return true;
    std::string log(absl::StripTrailingAsciiWhitespace(server_->log()));
    std::string refusal = log.substr(log.rfind('\n') + 1);
    EXPECT_TRUE(MentionsAny(refusal, phrases))
        << "archived refused to start without a clear reason (one of: "
        << absl::StrJoin(phrases, ", ") << "):\n"
        << log;
    return false;
  }

  std::string BlobPath(const std::string& contents) {
    std::string hex = Sha256::HexDigest(contents);
    return absl::StrCat(server_->data_dir(), "/blobs/", hex.substr(0, 2), "/",
                        hex);
  }

  TempDir work_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Cli> cli_;
  int gets_ = 0;
};

TEST_F(Tamper, StatementTextByteFlipped) {
  std::string rev = Put("tamper-st-a", "text a\n");
  Put("tamper-st-b", "text b\n");
  ASSERT_NO_FATAL_FAILURE(ExpectGetWorks("tamper-st-a", "text a\n"));
  StopServer();
  EditStore(server_->data_dir(), [&](leveldb::DB* db) {
    std::string record = GetRecord(db, RevisionKey(rev));
    size_t at = record.find("\ntitle Policy tamper-st-a\n");
    ASSERT_NE(at, std::string::npos) << record;
    record[at + 7] ^= 0x01;  // "Policy" -> "Qolicy"
    PutRecord(db, RevisionKey(rev), record);
  });
  RestartServer("a flipped byte in a statement");
  ExpectGetFails("tamper-st-a", {"statement"});
  ProcessResult st = cli_->Run({"statement", rev});
  EXPECT_NE(st.exit_code, 0) << Describe(st);
  EXPECT_TRUE(MentionsAny(st.err, {"statement"})) << Describe(st);
  // The damage is reported, not spread: the other document still verifies.
  ExpectGetWorks("tamper-st-b", "text b\n");
}

TEST_F(Tamper, StatementSignatureByteFlipped) {
  std::string rev = Put("tamper-sig-a", "text a\n");
  ASSERT_NO_FATAL_FAILURE(ExpectGetWorks("tamper-sig-a", "text a\n"));
  StopServer();
  EditStore(server_->data_dir(), [&](leveldb::DB* db) {
    std::string record = GetRecord(db, RevisionKey(rev));
    // "\n\n— <origin> <base64 signature>\n": change a character inside the
    // 64-byte signature, past the 4-byte key id.
    std::string marker = "\n\n\u2014 " + server_->origin() + " ";
    size_t at = record.rfind(marker);
    ASSERT_NE(at, std::string::npos) << record;
    ChangeBase64Char(record, at + marker.size() + 40);
    PutRecord(db, RevisionKey(rev), record);
  });
  RestartServer("a flipped byte in a statement's signature");
  ExpectGetFails("tamper-sig-a", {"statement signature"});
  ProcessResult st = cli_->Run({"statement", rev});
  EXPECT_NE(st.exit_code, 0) << Describe(st);
  EXPECT_TRUE(MentionsAny(st.err, {"statement signature"})) << Describe(st);
}

TEST_F(Tamper, NodeHashByteFlipped) {
  // Leaves 0 and 1; the audit path of leaf 0 is leaf 1's hash, node (0, 1).
  Put("tamper-node-a", "text a\n");
  Put("tamper-node-b", "text b\n");
  ASSERT_NO_FATAL_FAILURE(ExpectGetWorks("tamper-node-a", "text a\n"));
  StopServer();
  EditStore(server_->data_dir(), [&](leveldb::DB* db) {
    std::string hash = GetRecord(db, NodeKey(0, 1));
    ASSERT_EQ(hash.size(), 32u);
    hash[7] ^= 0x10;
    PutRecord(db, NodeKey(0, 1), hash);
  });
  RestartServer("a flipped byte in a log node hash");
  ExpectGetFails("tamper-node-a", {"inclusion proof"});
}

// The node a root is computed from, rather than one on an audit path: the
// server must not sign a new checkpoint over it that contradicts the one it
// signed before, and a client that saw the old checkpoint must notice if it
// does.
TEST_F(Tamper, RootNodeHashByteFlipped) {
  Put("tamper-root-a", "text a\n");
  Put("tamper-root-b", "text b\n");
  ASSERT_NO_FATAL_FAILURE(ExpectGetWorks("tamper-root-a", "text a\n"));
  StopServer();
  EditStore(server_->data_dir(), [&](leveldb::DB* db) {
    std::string hash = GetRecord(db, NodeKey(1, 0));
    ASSERT_EQ(hash.size(), 32u);
    hash[3] ^= 0x01;
    PutRecord(db, NodeKey(1, 0), hash);
  });
  // Refusing to serve a store whose tree no longer matches its signed
  // checkpoint is a correct reaction.
  if (!RestartUnlessRefused({"checkpoint", "root", "node", "damaged"})) return;
  // A second client puts on the damaged tree; the first one, which saw the
  // honest checkpoint of size 2, must refuse anything signed over it.
  Cli other(server_->address());
  std::string path = work_.path() + "/c.in";
  WriteFileOrDie(path, "text c\n");
  ProcessResult put = other.Run({"put", path, "--id", "tamper-root-c"});
  if (put.exit_code == 0) {
    ExpectGetFails("tamper-root-c", {"forked", "consistent"});
    ProcessResult cp = cli_->Run({"checkpoint"});
    EXPECT_NE(cp.exit_code, 0) << Describe(cp);
    EXPECT_TRUE(MentionsAny(cp.err, {"forked"})) << Describe(cp);
    // The archive itself signed two checkpoints that contradict each other:
    // the contract says it never does. Report what it served.
    ADD_FAILURE() << "archived signed a checkpoint over a damaged log node "
                     "that is inconsistent with its own earlier checkpoint of "
                     "size 2 (it should refuse to start or to sign); put: "
                  << Describe(put);
  } else {
    EXPECT_TRUE(MentionsAny(
        put.err, {"checkpoint", "root", "node", "damaged", "corrupt"}))
        << "put refused without naming the damage: " << Describe(put);
  }
}

TEST_F(Tamper, BlobByteFlipped) {
  const std::string contents = "the archived text of a policy\n";
  Put("tamper-blob", contents);
  ASSERT_NO_FATAL_FAILURE(ExpectGetWorks("tamper-blob", contents));
  // Bit rot under a running server: every read re-hashes, no restart needed.
  std::string blob = BlobPath(contents);
  ASSERT_TRUE(fs::exists(blob)) << blob;
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  std::string bytes = ReadFileOrDie(blob);
  ASSERT_EQ(bytes, contents);
  bytes[4] ^= 0x20;
  WriteFileOrDie(blob, bytes);
  ExpectGetFails("tamper-blob", {"content digest", "DATA_LOSS", "damaged"});
  // Truncated, too.
  WriteFileOrDie(blob, contents.substr(0, 10));
  ExpectGetFails("tamper-blob", {"content digest", "DATA_LOSS", "damaged"});
}

class TamperInline : public Tamper {
 protected:
  std::vector<std::string> ServerFlags() const override { return {}; }
};

TEST_F(TamperInline, InlineBlobByteFlipped) {
  const std::string contents = "the archived text of a small policy\n";
  Put("tamper-inline", contents);
  ASSERT_NO_FATAL_FAILURE(ExpectGetWorks("tamper-inline", contents));
  EXPECT_FALSE(fs::exists(BlobPath(contents))) << "expected an inline blob";
  const std::string hex = Sha256::HexDigest(contents);
  for (const std::string& damage : {std::string("flip"), std::string("cut")}) {
    StopServer();
    ASSERT_NO_FATAL_FAILURE(testing_util::DamageStoredBlob(
        server_->data_dir(), hex, [&](std::string& bytes) {
          if (damage == "flip") {
            bytes[4] ^= 0x20;
          } else {
            bytes = bytes.substr(0, 10);
          }
        }));
    RestartServer("a damaged inline blob");
    ExpectGetFails("tamper-inline", {"content digest", "DATA_LOSS", "damaged"});
  }
}

TEST_F(Tamper, LargeStreamedBlobByteFlipped) {
  // Above the size the server verifies whole before sending: the bytes stream
  // and the damage shows only at the end, after the client wrote most of them.
  std::string contents;
  contents.reserve(6 << 20);
  for (int i = 0; contents.size() < (6u << 20); ++i)
    absl::StrAppend(&contents, "line ", i, " of a large policy document\n");
  Put("tamper-large", contents);
  ASSERT_NO_FATAL_FAILURE(ExpectGetWorks("tamper-large", contents));
  std::string blob = BlobPath(contents);
  ASSERT_TRUE(fs::exists(blob)) << blob;
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  {
    std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(contents.size() - 100);
    f.put(contents[contents.size() - 100] ^ 0x01);
    ASSERT_TRUE(f.good());
  }
  ExpectGetFails("tamper-large", {"content digest", "DATA_LOSS", "damaged"});
}

TEST_F(Tamper, CheckpointByteFlipped) {
  Put("tamper-cp-a", "text a\n");
  Put("tamper-cp-b", "text b\n");
  ASSERT_NO_FATAL_FAILURE(ExpectGetWorks("tamper-cp-a", "text a\n"));
  StopServer();
  EditStore(server_->data_dir(), [&](leveldb::DB* db) {
    std::string note = GetRecord(db, CheckpointKey(2));
    // "<origin>\n2\n<base64 root>\n\n— ...": change the root's 10th character.
    std::string head = server_->origin() + "\n2\n";
    ASSERT_TRUE(absl::StartsWith(note, head)) << note;
    ChangeBase64Char(note, head.size() + 10);
    PutRecord(db, CheckpointKey(2), note);
  });
  RestartServer("a flipped byte in the stored checkpoint");
  ExpectGetFails("tamper-cp-a", {"checkpoint signature"});
  ProcessResult cp = cli_->Run({"checkpoint"});
  EXPECT_NE(cp.exit_code, 0) << Describe(cp);
  EXPECT_TRUE(MentionsAny(cp.err, {"checkpoint signature"})) << Describe(cp);
}

TEST_F(Tamper, CheckpointReplacedByOlderSignedOne) {
  // Every checkpoint is validly signed; serving an old one for a larger log
  // must still fail: the proofs do not match it.
  Put("tamper-old-a", "text a\n");
  Put("tamper-old-b", "text b\n");
  ASSERT_NO_FATAL_FAILURE(ExpectGetWorks("tamper-old-a", "text a\n"));
  StopServer();
  EditStore(server_->data_dir(), [&](leveldb::DB* db) {
    PutRecord(db, CheckpointKey(2), GetRecord(db, CheckpointKey(1)));
  });
  // The server may notice by itself that the record under key c/2 holds a
  // checkpoint of size 1 and refuse to start; if it serves it, the client must
  // reject it.
  if (!RestartUnlessRefused({"checkpoint"})) return;
  ExpectGetFails("tamper-old-a",
                 {"inclusion proof", "checkpoint", "shrank", "forked"});
}

// Copies a stopped server's data directory (`from`) over `to`.
void ReplaceDir(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::remove_all(to, ec);
  ASSERT_FALSE(ec) << "cannot remove " << to << ": " << ec.message();
  fs::copy(from, to, fs::copy_options::recursive, ec);
  ASSERT_FALSE(ec) << "cannot copy " << from << " to " << to << ": "
                   << ec.message();
}

TEST_F(Tamper, TruncatedLogIsDetected) {
  Put("tamper-trunc-a", "text a\n");
  StopServer();
  TempDir saved;
  std::string old_copy = saved.path() + "/data";
  ASSERT_NO_FATAL_FAILURE(ReplaceDir(server_->data_dir(), old_copy));  // size 1
  RestartServer("nothing changed");
  Put("tamper-trunc-b", "text b\n");
  Put("tamper-trunc-c", "text c\n");
  ProcessResult seen = cli_->Run({"checkpoint"});
  ASSERT_EQ(seen.exit_code, 0) << Describe(seen);
  ASSERT_TRUE(absl::StrContains(seen.out, "\n3\n")) << seen.out;

  StopServer();
  ASSERT_NO_FATAL_FAILURE(ReplaceDir(old_copy, server_->data_dir()));
  RestartServer("a log rolled back from size 3 to size 1");
  ProcessResult cp = cli_->Run({"checkpoint"});
  EXPECT_NE(cp.exit_code, 0) << "a shrunk log went unnoticed: " << Describe(cp);
  EXPECT_TRUE(MentionsAny(cp.err, {"shrank"}) &&
              absl::StrContains(cp.err, "size 3") &&
              absl::StrContains(cp.err, "size 1"))
      << "the error should say the log shrank from 3 to 1: " << Describe(cp);
  ProcessResult get = ExpectGetFails("tamper-trunc-a", {"shrank"});
  EXPECT_TRUE(absl::StrContains(get.err, "size 3") &&
              absl::StrContains(get.err, "size 1"))
      << Describe(get);
}

TEST_F(Tamper, ForkedLogIsDetected) {
  Put("tamper-fork-a", "text a\n");
  StopServer();
  TempDir saved;
  std::string old_copy = saved.path() + "/data";
  ASSERT_NO_FATAL_FAILURE(ReplaceDir(server_->data_dir(), old_copy));  // size 1
  RestartServer("nothing changed");
  Put("tamper-fork-b", "text b\n");
  Put("tamper-fork-c", "text c\n");
  ProcessResult seen = cli_->Run({"checkpoint"});
  ASSERT_EQ(seen.exit_code, 0) << Describe(seen);
  ASSERT_TRUE(absl::StrContains(seen.out, "\n3\n")) << seen.out;

  // Roll back to size 1 and write another history on top, longer than the one
  // the client saw.
  StopServer();
  ASSERT_NO_FATAL_FAILURE(ReplaceDir(old_copy, server_->data_dir()));
  RestartServer("a log rolled back from size 3 to size 1");
  Cli rewriter(server_->address());
  Put("tamper-fork-x", "rewritten x\n", &rewriter);
  Put("tamper-fork-y", "rewritten y\n", &rewriter);
  Put("tamper-fork-z", "rewritten z\n", &rewriter);
  ProcessResult cp = cli_->Run({"checkpoint"});
  EXPECT_NE(cp.exit_code, 0) << "a forked log went unnoticed: " << Describe(cp);
  EXPECT_TRUE(MentionsAny(cp.err, {"fork"}) &&
              absl::StrContains(cp.err, "size 3") &&
              absl::StrContains(cp.err, "size 4"))
      << "the error should name the fork and both sizes (3 and 4): "
      << Describe(cp);
  ExpectGetFails("tamper-fork-a", {"fork"});
  ExpectGetFails("tamper-fork-x", {"fork"});
}

}  // namespace
}  // namespace archive::testing
