// End-to-end checks that what archived signs and proves can be verified by
// tools nobody on this project wrote (the stock openssl command line) and by
// the contract's formats: signed statements and checkpoints as C2SP signed
// notes, RFC 6962 proofs as the CLI's JSON. Also the identity contract: key
// files, their modes, and the refusals on a wrong origin, loose permissions or
// a corrupt key.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clients/api/archive_client.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/format/merkle.h"
#include "storage/format/signed_note.h"
#include "storage/verify/note_verifier.h"
#include "storage/verify/proof_verifier.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

constexpr char kOpenssl[] = "/usr/bin/openssl";

int FileMode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return st.st_mode & 07777;
}

// Puts `contents` as document `doc` through archivectl; returns the revision
// id ("" after a test failure).
std::string Put(const Cli& cli, const TempDir& dir, const std::string& doc,
                const std::string& contents) {
  std::string path = absl::StrCat(dir.path(), "/", doc, ".txt");
  WriteFileOrDie(path, contents);
  ProcessResult put = cli.Run({"put", path, "--id", doc, "--title",
                               "Test policy " + doc, "--date", "2022-03-01"});
  EXPECT_EQ(put.exit_code, 0) << "put " << doc << ": " << Describe(put);
  std::string id(absl::StripAsciiWhitespace(put.out));
  EXPECT_TRUE(IsSha256Hex(id)) << "put printed: " << put.out;
  return id;
}

std::unique_ptr<VerifierKey> LoadVerifierKey(const std::string& data_dir) {
  std::string line(absl::StripAsciiWhitespace(
      ReadFileOrDie(data_dir + "/keys/verifier.key")));
  auto key = VerifierKey::Parse(line);
  EXPECT_TRUE(key.ok()) << "keys/verifier.key \"" << line
                        << "\" does not parse: " << key.status();
  return key.ok() ? std::move(*key) : nullptr;
}

// A checkpoint as printed by `archivectl checkpoint`, parsed and verified.
struct SeenCheckpoint {
  std::string note;
  Checkpoint cp;
};

SeenCheckpoint CheckpointFromCli(const Cli& cli, const VerifierKey& key) {
  SeenCheckpoint seen;
  ProcessResult r = cli.Run({"checkpoint"});
  EXPECT_EQ(r.exit_code, 0) << "archivectl checkpoint: " << Describe(r);
  seen.note = r.out;
  auto text = VerifyNote(r.out, key);
  EXPECT_TRUE(text.ok()) << "checkpoint note does not verify with "
                            "keys/verifier.key: "
                         << text.status() << "\n"
                         << r.out;
  if (!text.ok()) return seen;
  auto cp = ParseCheckpoint(*text);
  EXPECT_TRUE(cp.ok()) << cp.status() << "\n" << *text;
  if (cp.ok()) seen.cp = *cp;
  return seen;
}

// The base64 hashes of a proof's JSON, decoded; fails the test on anything
// that is not a 32-byte hash.
std::vector<std::string> DecodeHashes(const Json& j) {
  std::vector<std::string> out;
  if (!j.contains("hashes") || !j["hashes"].is_array()) {
    ADD_FAILURE() << "no \"hashes\" array in " << j.dump();
    return out;
  }
  for (const Json& h : j["hashes"]) {
    if (!h.is_string()) {
      ADD_FAILURE() << "hash is not a string in " << j.dump();
      continue;
    }
    auto raw = Base64Decode(h.get<std::string>());
    EXPECT_TRUE(raw.has_value() && raw->size() == 32)
        << "hash " << h << " is not base64 of 32 bytes";
    if (raw.has_value()) out.push_back(*raw);
  }
  return out;
}

std::set<std::string> Keys(const Json& j) {
  std::set<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.insert(it.key());
  return keys;
}

// ParseJson, and the proofs' JSON must be an object.
Json ParseJsonObject(const ProcessResult& r) {
  Json j = ParseJson(r);
  EXPECT_TRUE(j.is_object()) << "not a JSON object: " << Describe(r);
  return j;
}

// Runs archived to completion (it is expected to refuse to start); a server
// that starts after all is killed by timeout(1) and reported as exit 124.
ProcessResult RunArchivedExpectingRefusal(const std::string& data_dir,
                                          const std::string& origin) {
  return RunProcess({"/usr/bin/timeout", "--signal=KILL", "30", ArchivedPath(),
                     "--data_dir=" + data_dir, "--origin=" + origin,
                     absl::StrCat("--listen=127.0.0.1:", FreePort())});
}

TEST(OpensslVerify, StatementSignatureVerifiesWithStockOpenssl) {
  auto server = TestServer::Start();
  ASSERT_TRUE(server->running());
  Cli cli(server->address());
  TempDir work;
  std::string rev = Put(cli, work, "openssl-doc", "政策文本 policy text\n");
  ASSERT_FALSE(rev.empty());

  std::string out = work.path() + "/got.txt";
  std::string receipt = work.path() + "/receipt";
  ProcessResult get =
      cli.Run({"get", "openssl-doc", "-o", out, "--receipt", receipt});
  ASSERT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(ReadFileOrDie(out), "政策文本 policy text\n");
  for (const char* name : {"statement.note", "statement.txt", "statement.sig",
                           "checkpoint.note", "inclusion.json"}) {
    EXPECT_GE(FileMode(receipt + "/" + name), 0)
        << "--receipt did not write " << name;
  }
  std::string text = ReadFileOrDie(receipt + "/statement.txt");
  EXPECT_EQ(Sha256::HexDigest(text), rev)
      << "statement.txt does not hash to the revision id:\n"
      << text;
  EXPECT_EQ(ReadFileOrDie(receipt + "/statement.sig").size(), 64u)
      << "statement.sig is not a raw 64-byte Ed25519 signature";

  std::string public_pem = server->data_dir() + "/keys/public.pem";
  ProcessResult verify =
      RunProcess({kOpenssl, "pkeyutl", "-verify", "-pubin", "-inkey",
                  public_pem, "-rawin", "-in", receipt + "/statement.txt",
                  "-sigfile", receipt + "/statement.sig"});
  EXPECT_EQ(verify.exit_code, 0) << "openssl pkeyutl: " << Describe(verify);
  EXPECT_TRUE(absl::StrContains(verify.out, "Signature Verified Successfully"))
      << Describe(verify);

  // One changed byte in the text: openssl must reject the signature.
  std::string forged = text;
  size_t at = forged.find("document openssl-doc");
  ASSERT_NE(at, std::string::npos) << text;
  forged[at + std::string("document openssl-").size()] = 'D';
  WriteFileOrDie(work.path() + "/forged.txt", forged);
  ProcessResult rejected =
      RunProcess({kOpenssl, "pkeyutl", "-verify", "-pubin", "-inkey",
                  public_pem, "-rawin", "-in", work.path() + "/forged.txt",
                  "-sigfile", receipt + "/statement.sig"});
  EXPECT_NE(rejected.exit_code, 0)
      << "openssl accepted a modified statement: " << Describe(rejected);
  EXPECT_FALSE(
      absl::StrContains(rejected.out, "Signature Verified Successfully"))
      << Describe(rejected);

  // The checkpoint in the receipt is a signed note too: its signature checks
  // with the same stock command.
  auto cp_note = ParseNote(ReadFileOrDie(receipt + "/checkpoint.note"));
  ASSERT_TRUE(cp_note.ok()) << cp_note.status();
  ASSERT_EQ(cp_note->signatures.size(), 1u);
  EXPECT_EQ(cp_note->signatures[0].key_name, server->origin());
  WriteFileOrDie(work.path() + "/checkpoint.txt", cp_note->text);
  WriteFileOrDie(work.path() + "/checkpoint.sig",
                 cp_note->signatures[0].signature);
  ProcessResult cp_verify =
      RunProcess({kOpenssl, "pkeyutl", "-verify", "-pubin", "-inkey",
                  public_pem, "-rawin", "-in", work.path() + "/checkpoint.txt",
                  "-sigfile", work.path() + "/checkpoint.sig"});
  EXPECT_EQ(cp_verify.exit_code, 0) << Describe(cp_verify);

  // inclusion.json is the contract's JSON and proves the statement is in the
  // receipt's checkpoint.
  Json inclusion =
      Json::parse(ReadFileOrDie(receipt + "/inclusion.json"), nullptr, false);
  ASSERT_TRUE(inclusion.is_object())
      << ReadFileOrDie(receipt + "/inclusion.json");
  EXPECT_EQ(Keys(inclusion),
            (std::set<std::string>{"leaf_index", "tree_size", "hashes"}));
  auto cp = ParseCheckpoint(cp_note->text);
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_TRUE(VerifyInclusion(inclusion["leaf_index"].get<uint64_t>(),
                              inclusion["tree_size"].get<uint64_t>(),
                              MerkleLeafHash(text), DecodeHashes(inclusion),
                              cp->root_hash)
                  .ok());
  EXPECT_EQ(server->Stop(), 0);
}

TEST(OpensslVerify, KeyFilesFollowTheContract) {
  auto server = TestServer::Start();
  ASSERT_TRUE(server->running());
  std::string keys = server->data_dir() + "/keys";
  EXPECT_EQ(FileMode(keys + "/signing.pem"), 0600)
      << "keys/signing.pem mode is " << std::oct
      << FileMode(keys + "/signing.pem");
  EXPECT_TRUE(absl::StartsWith(ReadFileOrDie(keys + "/signing.pem"),
                               "-----BEGIN PRIVATE KEY-----\n"))
      << "signing.pem is not PKCS#8 PEM";
  EXPECT_TRUE(absl::StartsWith(ReadFileOrDie(keys + "/public.pem"),
                               "-----BEGIN PUBLIC KEY-----\n"))
      << "public.pem is not SubjectPublicKeyInfo PEM";

  std::string line = ReadFileOrDie(keys + "/verifier.key");
  EXPECT_TRUE(absl::EndsWith(line, "\n") && line.find('\n') == line.size() - 1)
      << "verifier.key is not exactly one line: \"" << line << "\"";
  auto key = LoadVerifierKey(server->data_dir());
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->name(), server->origin());

  // The server presents the same key and signs its checkpoints with it.
  auto latest =
      ArchiveClient(ArchiveClient::Dial(server->address())).GetCheckpoint();
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->verifier_key(), key->ToString());
  EXPECT_EQ(std::string(absl::StripAsciiWhitespace(line)), key->ToString());
  EXPECT_TRUE(VerifyNote(latest->checkpoint(), *key).ok())
      << latest->checkpoint();
  EXPECT_TRUE(absl::StrContains(server->log(), key->ToString()))
      << "server log does not announce its verifier key:\n"
      << server->log();

  // public.pem holds the same 32-byte key (its DER ends with it).
  TempDir work;
  std::string der = work.path() + "/public.der";
  ProcessResult to_der =
      RunProcess({kOpenssl, "pkey", "-pubin", "-in", keys + "/public.pem",
                  "-outform", "DER", "-out", der});
  ASSERT_EQ(to_der.exit_code, 0) << Describe(to_der);
  std::string der_bytes = ReadFileOrDie(der);
  ASSERT_GE(der_bytes.size(), 32u);
  EXPECT_EQ(ToHex(der_bytes.substr(der_bytes.size() - 32)),
            ToHex(key->public_key()))
      << "public.pem and verifier.key hold different keys";

  // A client that trusted the archive on first use pinned exactly this key.
  Cli cli(server->address());
  ProcessResult cp = cli.Run({"checkpoint"});
  ASSERT_EQ(cp.exit_code, 0) << Describe(cp);
  EXPECT_TRUE(absl::StrContains(cp.err, "trusting archive"))
      << "no trust-on-first-use notice: " << Describe(cp);
  EXPECT_TRUE(absl::StrContains(
      ReadFileOrDie(cli.config_home() + "/archivectl/trusted"),
      key->ToString()));
  EXPECT_EQ(server->Stop(), 0);
}

TEST(OpensslVerify, StatementCommandPrintsNoteHashingToRevision) {
  auto server = TestServer::Start();
  ASSERT_TRUE(server->running());
  auto key = LoadVerifierKey(server->data_dir());
  ASSERT_NE(key, nullptr);
  Cli cli(server->address());
  TempDir work;
  std::string rev = Put(cli, work, "statement-doc", "first text\n");
  ASSERT_FALSE(rev.empty());

  ProcessResult r = cli.Run({"statement", rev});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  auto note = ParseNote(r.out);
  ASSERT_TRUE(note.ok()) << "not a signed note: " << note.status() << "\n"
                         << r.out;
  EXPECT_EQ(Sha256::HexDigest(note->text), rev)
      << "statement text does not hash to " << rev << ":\n"
      << note->text;
  EXPECT_TRUE(absl::StartsWith(
      note->text, "archive-revision/v1\norigin " + server->origin() + "\n"))
      << note->text;
  EXPECT_TRUE(absl::StrContains(note->text, "\ndocument statement-doc\n"))
      << note->text;
  auto verified = VerifyNote(r.out, *key);
  EXPECT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(absl::EndsWith(r.out, "\n")) << r.out;

  // Printed verbatim: the same bytes as the note in a get receipt.
  std::string receipt = work.path() + "/receipt";
  ProcessResult get = cli.Run({"get", "statement-doc", "-o",
                               work.path() + "/got", "--receipt", receipt});
  ASSERT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(ReadFileOrDie(receipt + "/statement.note"), r.out);

  ProcessResult unknown = cli.Run({"statement", std::string(64, 'a')});
  EXPECT_NE(unknown.exit_code, 0) << Describe(unknown);
  EXPECT_FALSE(unknown.err.empty());
  EXPECT_EQ(server->Stop(), 0);
}

TEST(OpensslVerify, CheckpointCommandPrintsSignedCheckpoint) {
  auto server = TestServer::Start();
  ASSERT_TRUE(server->running());
  auto key = LoadVerifierKey(server->data_dir());
  ASSERT_NE(key, nullptr);
  Cli cli(server->address());
  TempDir work;
  ASSERT_FALSE(Put(cli, work, "cp-doc-1", "one\n").empty());
  ASSERT_FALSE(Put(cli, work, "cp-doc-2", "two\n").empty());

  ProcessResult r = cli.Run({"checkpoint"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n');
  ASSERT_GE(lines.size(), 5u) << r.out;
  EXPECT_EQ(lines[0], server->origin()) << r.out;
  EXPECT_EQ(lines[1], "2") << r.out;
  auto root = Base64Decode(lines[2]);
  EXPECT_TRUE(root.has_value() && root->size() == 32) << r.out;
  EXPECT_EQ(lines[3], "") << "no blank line before the signature:\n" << r.out;
  EXPECT_TRUE(absl::StartsWith(lines[4], "— " + server->origin() + " "))
      << r.out;
  auto text = VerifyNote(r.out, *key);
  ASSERT_TRUE(text.ok()) << text.status();
  auto cp = ParseCheckpoint(*text);
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_EQ(cp->origin, server->origin());
  EXPECT_EQ(cp->size, 2u);

  ProcessResult json = cli.Run({"checkpoint", "--json"});
  ASSERT_EQ(json.exit_code, 0) << Describe(json);
  Json j = ParseJsonObject(json);
  EXPECT_EQ(j.value("checkpoint", ""), r.out);
  EXPECT_EQ(j.value("tree_size", uint64_t{0}), 2u);
  EXPECT_EQ(j.value("origin", ""), server->origin());
  EXPECT_EQ(server->Stop(), 0);
}

TEST(OpensslVerify, ProofJsonVerifiesAgainstCheckpoints) {
  auto server = TestServer::Start();
  ASSERT_TRUE(server->running());
  auto key = LoadVerifierKey(server->data_dir());
  ASSERT_NE(key, nullptr);
  Cli cli(server->address());
  TempDir work;

  constexpr int kDocs = 7;  // not a power of two: proofs with odd subtrees
  std::vector<std::string> revs;
  std::map<uint64_t, std::string> roots;  // size -> root, from checkpoints
  for (int i = 0; i < kDocs; ++i) {
    revs.push_back(Put(cli, work, absl::StrCat("proof-doc-", i),
                       absl::StrCat("document number ", i, "\n")));
    ASSERT_FALSE(revs.back().empty());
    SeenCheckpoint seen = CheckpointFromCli(cli, *key);
    ASSERT_EQ(seen.cp.size, static_cast<uint64_t>(i + 1)) << seen.note;
    roots[seen.cp.size] = seen.cp.root_hash;
  }
  const uint64_t n = kDocs;

  for (int i = 0; i < kDocs; ++i) {
    ProcessResult st = cli.Run({"statement", revs[i]});
    ASSERT_EQ(st.exit_code, 0) << Describe(st);
    auto note = ParseNote(st.out);
    ASSERT_TRUE(note.ok()) << note.status();
    std::string leaf_hash = MerkleLeafHash(note->text);

    ProcessResult r = cli.Run({"proof", "inclusion", revs[i]});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    Json j = ParseJsonObject(r);
    EXPECT_EQ(Keys(j),
              (std::set<std::string>{"leaf_index", "tree_size", "hashes"}))
        << r.out;
    ASSERT_TRUE(j["leaf_index"].is_number_unsigned()) << r.out;
    ASSERT_TRUE(j["tree_size"].is_number_unsigned()) << r.out;
    EXPECT_EQ(j["leaf_index"].get<uint64_t>(), static_cast<uint64_t>(i));
    EXPECT_EQ(j["tree_size"].get<uint64_t>(), n);
    std::vector<std::string> hashes = DecodeHashes(j);
    absl::Status ok = VerifyInclusion(i, n, leaf_hash, hashes, roots.at(n));
    EXPECT_TRUE(ok.ok()) << "inclusion of leaf " << i << ": " << ok << "\n"
                         << r.out;
    if (!hashes.empty()) {
      hashes[0][0] ^= 1;
      EXPECT_FALSE(VerifyInclusion(i, n, leaf_hash, hashes, roots.at(n)).ok())
          << "a damaged proof verified";
    }

    // Against every earlier checkpoint that already held the leaf.
    for (uint64_t size = i + 1; size < n; ++size) {
      ProcessResult old = cli.Run(
          {"proof", "inclusion", revs[i], "--size", absl::StrCat(size)});
      ASSERT_EQ(old.exit_code, 0) << Describe(old);
      Json oj = ParseJsonObject(old);
      EXPECT_EQ(oj.value("tree_size", uint64_t{0}), size) << old.out;
      absl::Status s =
          VerifyInclusion(i, size, leaf_hash, DecodeHashes(oj), roots.at(size));
      EXPECT_TRUE(s.ok()) << "inclusion of leaf " << i << " in size " << size
                          << ": " << s << "\n"
                          << old.out;
    }
  }

  // `proof consistency 1 N`, then every pair of checkpoints seen.
  for (uint64_t a = 1; a <= n; ++a) {
    for (uint64_t b = a; b <= n; ++b) {
      if (a != 1 && b != n && (a + b) % 2 != 0) continue;  // a sample suffices
      ProcessResult r =
          cli.Run({"proof", "consistency", absl::StrCat(a), absl::StrCat(b)});
      ASSERT_EQ(r.exit_code, 0) << Describe(r);
      Json j = ParseJsonObject(r);
      EXPECT_EQ(Keys(j),
                (std::set<std::string>{"old_size", "new_size", "hashes"}))
          << r.out;
      EXPECT_EQ(j.value("old_size", uint64_t{0}), a) << r.out;
      EXPECT_EQ(j.value("new_size", uint64_t{0}), b) << r.out;
      std::vector<std::string> hashes = DecodeHashes(j);
      absl::Status s =
          VerifyConsistency(a, b, roots.at(a), roots.at(b), hashes);
      EXPECT_TRUE(s.ok()) << "consistency " << a << " -> " << b << ": " << s
                          << "\n"
                          << r.out;
      if (!hashes.empty()) {
        hashes.back()[5] ^= 0x40;
        EXPECT_FALSE(
            VerifyConsistency(a, b, roots.at(a), roots.at(b), hashes).ok())
            << "a damaged consistency proof " << a << " -> " << b
            << " verified";
      }
    }
  }
  EXPECT_EQ(server->Stop(), 0);
}

TEST(OpensslVerify, RestartWithAnotherOriginIsRefused) {
  TempDir dir;
  TestServer::Options options;
  options.data_dir = dir.path() + "/data";
  options.origin = "first.archive.example";
  {
    auto server = TestServer::Start(options);
    ASSERT_TRUE(server->running());
    Cli cli(server->address());
    ASSERT_FALSE(Put(cli, dir, "origin-doc", "text\n").empty());
    ASSERT_EQ(server->Stop(), 0);
  }
  ProcessResult r =
      RunArchivedExpectingRefusal(options.data_dir, "second.archive.example");
  ASSERT_NE(r.exit_code, 124)
      << "archived started with another --origin on the same data dir";
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "first.archive.example") &&
              absl::StrContains(r.err, "second.archive.example"))
      << "the refusal should name both origins: " << Describe(r);

  // Nothing was damaged: the right origin still starts and serves the data.
  auto again = TestServer::Start(options);
  ASSERT_TRUE(again->running());
  Cli cli(again->address());
  ProcessResult get = cli.Run({"get", "origin-doc", "-o", dir.path() + "/got"});
  EXPECT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(again->Stop(), 0);
}

// Creates an identity in `data_dir` by running archived once.
void CreateIdentity(const TestServer::Options& options) {
  auto server = TestServer::Start(options);
  ASSERT_TRUE(server->running());
  ASSERT_EQ(server->Stop(), 0);
}

TEST(OpensslVerify, LooseKeyPermissionsAreRefused) {
  TempDir dir;
  TestServer::Options options;
  options.data_dir = dir.path() + "/data";
  ASSERT_NO_FATAL_FAILURE(CreateIdentity(options));
  std::string signing = options.data_dir + "/keys/signing.pem";
  ASSERT_EQ(::chmod(signing.c_str(), 0644), 0);

  ProcessResult r =
      RunArchivedExpectingRefusal(options.data_dir, options.origin);
  ASSERT_NE(r.exit_code, 124)
      << "archived started with a world-readable signing.pem";
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, signing))
      << "the refusal should name the key file: " << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "0644"))
      << "the refusal should name the mode: " << Describe(r);
  EXPECT_EQ(FileMode(signing), 0644) << "archived changed the mode itself";

  ASSERT_EQ(::chmod(signing.c_str(), 0600), 0);
  auto server = TestServer::Start(options);
  EXPECT_TRUE(server->running()) << "did not start once the mode was fixed";
}

TEST(OpensslVerify, CorruptKeyIsRefused) {
  TempDir dir;
  TestServer::Options options;
  options.data_dir = dir.path() + "/data";
  ASSERT_NO_FATAL_FAILURE(CreateIdentity(options));
  std::string signing = options.data_dir + "/keys/signing.pem";
  std::string original = ReadFileOrDie(signing);

  struct Case {
    std::string what, contents;
  };
  std::string flipped = original;
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
  std::vector<Case> cases = {
      {"garbage", "this is not a key\n"},
      {"empty", ""},
      {"truncated", original.substr(0, original.size() / 2)},
      {"one base64 character changed", flipped},
  };
  // A valid Ed25519 key, but not the one verifier.key and public.pem describe.
  std::string other = dir.path() + "/other.pem";
  ProcessResult gen =
      RunProcess({kOpenssl, "genpkey", "-algorithm", "ed25519", "-out", other});
  ASSERT_EQ(gen.exit_code, 0) << Describe(gen);
  cases.push_back({"another valid key", ReadFileOrDie(other)});

  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    WriteFileOrDie(signing, c.contents);
    ASSERT_EQ(FileMode(signing), 0600);
    ProcessResult r =
        RunArchivedExpectingRefusal(options.data_dir, options.origin);
    ASSERT_NE(r.exit_code, 124)
        << "archived started with a corrupt signing.pem (" << c.what << ")";
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_TRUE(absl::StrContains(r.err, "signing.pem"))
        << "the refusal should name the key file: " << Describe(r);
  }

  WriteFileOrDie(signing, original);
  auto server = TestServer::Start(options);
  EXPECT_TRUE(server->running()) << "did not start with the original key";
}

}  // namespace
}  // namespace archive::testing
