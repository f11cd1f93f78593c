// BagIt exchange (issue 7): the corpus exported from one archive with
// `archivectl export --bagit` is a valid RFC 8493 bag by a checker written
// here from the RFC (not clients/bagit), and `archivectl import --bagit` puts
// it into a fresh archive with identical revision ids and bytes; importing
// again imports nothing; a damaged or forged bag, or one whose origin the
// archive does not trust, imports nothing; document ids with "/" and ".."
// round-trip safely. The server checks statements itself (ImportRevision is
// called directly with forged input too).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clients/api/archive_client.h"
#include "nlohmann/json.hpp"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "tests/integration/bounded_run.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

constexpr size_t kCorpusSize = 18;
// Document ids that must not become paths: "/" and ".." of every kind.
const std::vector<std::string>& OddIds() {
  static const auto* ids = new std::vector<std::string>{
      "../../escape", "区/2023/../通知", "a/./b/%2F..", "..", "~x"};
  return *ids;
}

// --- An RFC 8493 checker, independent of clients/bagit --------------------

std::string Sha256OfFile(const std::string& path) {
  return Sha256::HexDigest(ReadFileOrDie(path));
}

// Regular files below `root`, relative, "/"-separated.
std::map<std::string, uintmax_t> FilesBelow(const std::string& root) {
  std::map<std::string, uintmax_t> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) {
      files[e.path().string().substr(root.size() + 1)] = e.file_size();
    }
  }
  return files;
}

// RFC 8493 §2.1.3: only CR, LF and "%" are percent-encoded in manifest paths.
std::string DecodePath(const std::string& p) {
  return absl::StrReplaceAll(p, {{"%0D", "\r"}, {"%0A", "\n"}, {"%25", "%"}});
}
std::string EncodePath(const std::string& p) {
  return absl::StrReplaceAll(p, {{"%", "%25"}, {"\r", "%0D"}, {"\n", "%0A"}});
}

// path -> checksum, from "checksum<whitespace>path" lines.
std::map<std::string, std::string> ReadManifestLines(const std::string& file) {
  std::map<std::string, std::string> entries;
  for (absl::string_view line :
       absl::StrSplit(ReadFileOrDie(file), '\n', absl::SkipEmpty())) {
    size_t gap = line.find_first_of(" \t");
    size_t start = line.find_first_not_of(" \t", gap);
    entries[DecodePath(std::string(line.substr(start)))] =
        std::string(line.substr(0, gap));
  }
  return entries;
}

// Every file in `expected` is listed with the right SHA-256, and nothing else.
std::string CheckManifest(const std::string& bag, const std::string& name,
                          const std::set<std::string>& expected) {
  std::map<std::string, std::string> entries =
      ReadManifestLines(bag + "/" + name);
  for (const std::string& f : expected) {
    if (!entries.count(f)) return absl::StrCat(f, " is not in ", name);
  }
  for (const auto& [path, sum] : entries) {
    if (!expected.count(path))
      return absl::StrCat(name, " lists ", path, ", not in the bag");
    if (Sha256OfFile(bag + "/" + path) != sum)
      return absl::StrCat(path, " does not match its ", name, " checksum");
  }
  return "";
}

// "" if `bag` is a valid BagIt 1.0 bag, else the first problem found.
std::string ValidateBagPerRfc8493(const std::string& bag) {
  if (ReadFileOrDie(bag + "/bagit.txt") !=
      "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n") {
    return "bagit.txt is not BagIt 1.0 / UTF-8";
  }
  if (!fs::is_directory(bag + "/data")) return "no data/ directory";
  std::set<std::string> payload, tags;
  uintmax_t octets = 0;
  for (const auto& [path, size] : FilesBelow(bag)) {
    if (absl::StartsWith(path, "data/")) {
      payload.insert(path);
      octets += size;
    } else if (!absl::StartsWith(path, "tagmanifest-")) {
      tags.insert(path);
    }
  }
  if (!tags.count("manifest-sha256.txt")) return "no manifest-sha256.txt";
  if (!tags.count("bag-info.txt")) return "no bag-info.txt";
  std::string oxum;
  for (absl::string_view line :
       absl::StrSplit(ReadFileOrDie(bag + "/bag-info.txt"), '\n')) {
    if (absl::ConsumePrefix(&line, "Payload-Oxum: ")) oxum = std::string(line);
  }
  if (oxum != absl::StrCat(octets, ".", payload.size())) {
    return absl::StrCat("Payload-Oxum is \"", oxum, "\" but the payload is ",
                        octets, " octets in ", payload.size(), " files");
  }
  std::string problem = CheckManifest(bag, "manifest-sha256.txt", payload);
  if (problem.empty())
    problem = CheckManifest(bag, "tagmanifest-sha256.txt", tags);
  return problem;
}

// Rewrites both manifests and Payload-Oxum for the bag's files as they are
// now: a tampering that the BagIt layer cannot see, so what catches it is the
// archive's own checks.
void Reseal(const std::string& bag) {
  std::string manifest, tag_manifest, info;
  uintmax_t octets = 0, files = 0;
  for (const auto& [path, size] : FilesBelow(bag)) {
    if (!absl::StartsWith(path, "data/")) continue;
    absl::StrAppend(&manifest, Sha256OfFile(bag + "/" + path), "  ",
                    EncodePath(path), "\n");
    octets += size;
    ++files;
  }
  WriteFileOrDie(bag + "/manifest-sha256.txt", manifest);
  for (absl::string_view line : absl::StrSplit(
           ReadFileOrDie(bag + "/bag-info.txt"), '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "Payload-Oxum: ")) {
      absl::StrAppend(&info, "Payload-Oxum: ", octets, ".", files, "\n");
    } else {
      absl::StrAppend(&info, line, "\n");
    }
  }
  WriteFileOrDie(bag + "/bag-info.txt", info);
  for (const auto& [path, size] : FilesBelow(bag)) {
    if (absl::StartsWith(path, "data/") ||
        absl::StartsWith(path, "tagmanifest-"))
      continue;
    absl::StrAppend(&tag_manifest, Sha256OfFile(bag + "/" + path), "  ",
                    EncodePath(path), "\n");
  }
  WriteFileOrDie(bag + "/tagmanifest-sha256.txt", tag_manifest);
}

// The revision directories of a bag (data/<doc>/<NNNNNN>-<rev>), sorted.
std::vector<std::string> RevisionDirs(const std::string& bag) {
  std::set<std::string> dirs;
  for (const auto& [path, size] : FilesBelow(bag)) {
    if (absl::StartsWith(path, "data/"))
      dirs.insert(path.substr(0, path.rfind('/')));
  }
  return std::vector<std::string>(dirs.begin(), dirs.end());
}

// --- The two offices ------------------------------------------------------

class BagitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TestServer::Options a;
    a.origin = "a.archive.example";
    a_ = TestServer::Start(a);
    ASSERT_TRUE(a_->running());
    a_key_ = a_->data_dir() + "/keys/verifier.key";
    a_cli_ = std::make_unique<Cli>(a_->address());
  }

  // Starts office B; with `trust_a`, its --trust file holds A's key.
  void StartB(bool trust_a) {
    std::string trust = tmp_.path() + "/b-trust";
    WriteFileOrDie(trust, trust_a ? ReadFileOrDie(a_key_) : "");
    TestServer::Options b;
    b.origin = "b.archive.example";
    b.extra_flags = {"--trust=" + trust};
    b_ = TestServer::Start(b);
    ASSERT_TRUE(b_->running());
    // B's client trusts both archives' keys, and nothing on first use.
    client_trust_ = tmp_.path() + "/client-trust";
    WriteFileOrDie(client_trust_,
                   ReadFileOrDie(a_key_) + "\n" +
                       ReadFileOrDie(b_->data_dir() + "/keys/verifier.key"));
    b_cli_ = std::make_unique<Cli>(b_->address());
  }

  ProcessResult A(std::vector<std::string> args) {
    args.insert(args.begin(), {"--trust", a_key_});
    return a_cli_->Run(args);
  }
  ProcessResult B(std::vector<std::string> args) {
    args.insert(args.begin(), {"--trust", client_trust_});
    return b_cli_->Run(args);
  }

  void PutOnA(const std::string& path, const std::string& id,
              std::vector<std::string> flags = {}) {
    std::vector<std::string> args = {"put", path, "--id", id};
    args.insert(args.end(), flags.begin(), flags.end());
    ProcessResult r = A(args);
    ASSERT_EQ(r.exit_code, 0) << "put " << id << ": " << Describe(r);
  }

  // The corpus as extracted, then corrected: two revisions per document.
  void LoadCorpusIntoA() {
    std::vector<CorpusDocument> corpus = LoadCorpus();
    ASSERT_EQ(corpus.size(), kCorpusSize);
    for (const CorpusDocument& d : corpus) {
      ASSERT_NO_FATAL_FAILURE(PutOnA(
          d.raw_path(), d.id, {"--title", d.title, "--issuer", d.issuer}));
      ASSERT_NO_FATAL_FAILURE(PutOnA(
          d.clean_path(), d.id,
          {"--note", "corrected", "--title", d.title, "--issuer", d.issuer}));
    }
  }

  // Two revisions each, the second a draft, for the ids that are no paths.
  void LoadOddIdsIntoA() {
    std::string file = tmp_.path() + "/odd.txt";
    for (const std::string& id : OddIds()) {
      WriteFileOrDie(file, "first text of " + id + "\n");
      ASSERT_NO_FATAL_FAILURE(PutOnA(file, id));
      WriteFileOrDie(file, "draft text of " + id + "\n");
      ASSERT_NO_FATAL_FAILURE(PutOnA(file, id, {"--status", "draft"}));
    }
  }

  std::string Export(std::vector<std::string> ids = {}) {
    std::string bag = tmp_.path() + "/bag";
    std::vector<std::string> args = {"export", "--bagit", bag, "--json"};
    for (const std::string& id : ids) args.insert(args.end(), {"--id", id});
    ProcessResult r = A(args);
    EXPECT_EQ(r.exit_code, 0) << "export: " << Describe(r);
    return bag;
  }

  Json History(bool on_b, const std::string& doc) {
    ProcessResult r =
        on_b ? B({"history", doc, "--json"}) : A({"history", doc, "--json"});
    EXPECT_EQ(r.exit_code, 0) << "history " << doc << ": " << Describe(r);
    return ParseJson(r);
  }

  // B holds exactly A's revisions of `doc` (ids, in order), and each one `get`
  // fetches from B verifies and has the bytes A signed for.
  void ExpectSameOnB(const std::string& doc) {
    Json a = History(false, doc), b = History(true, doc);
    ASSERT_EQ(a["revisions"].size(), b["revisions"].size()) << doc;
    for (size_t i = 0; i < a["revisions"].size(); ++i) {
      const Json& ra = a["revisions"][i];
      const Json& rb = b["revisions"][i];
      EXPECT_EQ(rb["revision_id"], ra["revision_id"]) << doc;
      EXPECT_EQ(rb["origin"], "a.archive.example") << doc;
      EXPECT_EQ(rb["submitted_at"], ra["submitted_at"]) << doc;
      EXPECT_EQ(rb["submitted_by"], ra["submitted_by"]) << doc;
      std::string out = tmp_.path() + "/got";
      ProcessResult r = B({"get", doc, "--rev",
                           ra["revision_id"].get<std::string>(), "-o", out});
      ASSERT_EQ(r.exit_code, 0) << "get from B: " << Describe(r);
      EXPECT_EQ(Sha256OfFile(out), ra["sha256"]) << doc;
    }
    EXPECT_EQ(b["heads"], a["heads"]) << doc;
  }

  // B has no documents at all.
  void ExpectNothingOnB() {
    ProcessResult r = B({"ls", "--json"});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    EXPECT_EQ(ParseJson(r), Json::array()) << "B imported something";
  }

  // Entries in B's log, asked directly (no client trust involved).
  uint64_t TreeSizeOfB() {
    ArchiveClient client(ArchiveClient::Dial(b_->address()));
    auto cp = client.GetCheckpoint();
    EXPECT_TRUE(cp.ok()) << cp.status();
    if (!cp.ok()) return ~0ull;
    std::vector<std::string> lines = absl::StrSplit(cp->checkpoint(), '\n');
    uint64_t size = ~0ull;
    EXPECT_TRUE(lines.size() > 1 && absl::SimpleAtoi(lines[1], &size));
    return size;
  }

  TempDir tmp_;
  std::unique_ptr<TestServer> a_, b_;
  std::string a_key_, client_trust_;
  std::unique_ptr<Cli> a_cli_, b_cli_;
};

TEST_F(BagitTest, CorpusBagIsValidAndReimportsIdentically) {
  ASSERT_NO_FATAL_FAILURE(LoadCorpusIntoA());
  ASSERT_NO_FATAL_FAILURE(LoadOddIdsIntoA());
  std::string bag = Export();
  ASSERT_EQ(ValidateBagPerRfc8493(bag), "");

  // bag-info.txt names the archive, its key and the checkpoint; counts add up.
  std::string info = ReadFileOrDie(bag + "/bag-info.txt");
  size_t documents = kCorpusSize + OddIds().size();
  std::string key(absl::StripTrailingAsciiWhitespace(ReadFileOrDie(a_key_)));
  for (const std::string& line :
       {std::string("Archive-Origin: a.archive.example"),
        "Archive-Verifier-Key: " + key,
        "Archive-Checkpoint-Size: " + absl::StrCat(2 * documents),
        "Archive-Document-Count: " + absl::StrCat(documents),
        "Archive-Revision-Count: " + absl::StrCat(2 * documents)}) {
    EXPECT_TRUE(absl::StrContains(info, line + "\n")) << line << "\n" << info;
  }
  for (const char* label :
       {"Bag-Software-Agent: ", "Bagging-Date: ", "Payload-Oxum: "}) {
    EXPECT_TRUE(absl::StrContains(info, label)) << label;
  }
  EXPECT_EQ(RevisionDirs(bag).size(), 2 * documents);
  // No document id became a path: every revision sits two levels below data/.
  for (const std::string& dir : RevisionDirs(bag)) {
    EXPECT_EQ(std::count(dir.begin(), dir.end(), '/'), 2) << dir;
  }

  ASSERT_NO_FATAL_FAILURE(StartB(/*trust_a=*/true));
  ProcessResult r = B({"import", "--bagit", bag, "--json"});
  ASSERT_EQ(r.exit_code, 0) << "import: " << Describe(r);
  Json report = ParseJson(r);
  EXPECT_EQ(report["imported"], 2 * documents) << r.out;
  EXPECT_EQ(report["already_present"], 0) << r.out;
  for (const CorpusDocument& d : LoadCorpus()) ExpectSameOnB(d.id);
  for (const std::string& id : OddIds()) ExpectSameOnB(id);

  r = B({"import", "--bagit", bag, "--json"});
  ASSERT_EQ(r.exit_code, 0) << "second import: " << Describe(r);
  report = ParseJson(r);
  EXPECT_EQ(report["imported"], 0) << r.out;
  EXPECT_EQ(report["already_present"], 2 * documents) << r.out;
}

TEST_F(BagitTest, AlteredPayloadByteIsRefusedNamingTheFile) {
  ASSERT_NO_FATAL_FAILURE(LoadOddIdsIntoA());
  std::string bag = Export();
  ASSERT_EQ(ValidateBagPerRfc8493(bag), "");
  std::string victim = RevisionDirs(bag).back() + "/content.txt";
  std::string bytes = ReadFileOrDie(bag + "/" + victim);
  bytes[3] ^= 0x01;
  WriteFileOrDie(bag + "/" + victim, bytes);
  ASSERT_NE(ValidateBagPerRfc8493(bag), "");
  ASSERT_NO_FATAL_FAILURE(StartB(/*trust_a=*/true));
  ProcessResult r = B({"import", "--bagit", bag});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, victim)) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "checksum mismatch")) << Describe(r);
  ExpectNothingOnB();

  // The same damage with the manifests recomputed: now the signed digest
  // catches it.
  Reseal(bag);
  ASSERT_EQ(ValidateBagPerRfc8493(bag), "");
  r = B({"import", "--bagit", bag});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, victim)) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "signed statement")) << Describe(r);
  ExpectNothingOnB();
}

TEST_F(BagitTest, AlteredStatementIsRefused) {
  ASSERT_NO_FATAL_FAILURE(LoadOddIdsIntoA());
  std::string bag = Export();
  // Claim another submitter in the statement (text and note alike) and
  // recompute the manifests: only the signature can tell.
  std::string dir = bag + "/" + RevisionDirs(bag).front();
  for (const char* file : {"/statement.note", "/statement.txt"}) {
    std::string text = ReadFileOrDie(dir + file);
    ASSERT_TRUE(absl::StrContains(text, "submitted-by local\n"));
    WriteFileOrDie(dir + file,
                   absl::StrReplaceAll(text, {{"submitted-by local\n",
                                               "submitted-by lOcal\n"}}));
  }
  Reseal(bag);
  ASSERT_EQ(ValidateBagPerRfc8493(bag), "");
  ASSERT_NO_FATAL_FAILURE(StartB(/*trust_a=*/true));
  ProcessResult r = B({"import", "--bagit", bag});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "statement signature")) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, RevisionDirs(bag).front()))
      << Describe(r);
  ExpectNothingOnB();
}

TEST_F(BagitTest, UntrustedOriginIsRefused) {
  ASSERT_NO_FATAL_FAILURE(LoadOddIdsIntoA());
  std::string bag = Export();
  // The archive does not trust A: it says how to fix that.
  ASSERT_NO_FATAL_FAILURE(StartB(/*trust_a=*/false));
  ProcessResult r = B({"import", "--bagit", bag});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "a.archive.example is not trusted"))
      << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "archived --trust")) << Describe(r);
  ExpectNothingOnB();
  // The client does not trust A: refused before the archive is asked.
  std::string only_b = tmp_.path() + "/only-b";
  WriteFileOrDie(only_b, ReadFileOrDie(b_->data_dir() + "/keys/verifier.key"));
  r = b_cli_->Run({"--trust", only_b, "import", "--bagit", bag});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "a.archive.example is not trusted"))
      << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "archivectl --trust")) << Describe(r);
  ExpectNothingOnB();
}

TEST_F(BagitTest, ParentMissingFromBagAndArchiveIsRefused) {
  ASSERT_NO_FATAL_FAILURE(LoadOddIdsIntoA());
  std::string bag = Export({"../../escape"});
  std::vector<std::string> dirs = RevisionDirs(bag);
  ASSERT_EQ(dirs.size(), 2u);
  fs::remove_all(bag + "/" + dirs[0]);  // the parent of dirs[1]
  Reseal(bag);
  ASSERT_NO_FATAL_FAILURE(StartB(/*trust_a=*/true));
  ProcessResult r = B({"import", "--bagit", bag});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "neither in the archive nor earlier"))
      << Describe(r);
  ExpectNothingOnB();
}

TEST_F(BagitTest, ExportRefusesAnExistingBagAndImportNeedsBagit) {
  ASSERT_NO_FATAL_FAILURE(LoadOddIdsIntoA());
  std::string bag = Export({".."});
  std::string manifest = ReadFileOrDie(bag + "/manifest-sha256.txt");
  ProcessResult r = A({"export", "--bagit", bag});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "not an empty directory"))
      << Describe(r);
  EXPECT_EQ(ReadFileOrDie(bag + "/manifest-sha256.txt"), manifest);
  // An unknown document: nothing is left behind.
  r = A({"export", "--bagit", tmp_.path() + "/other", "--id", "no-such"});
  EXPECT_EQ(r.exit_code, 3) << Describe(r);
  EXPECT_FALSE(fs::exists(tmp_.path() + "/other"));
  for (const auto& e : fs::directory_iterator(tmp_.path())) {
    EXPECT_FALSE(absl::StrContains(e.path().string(), ".partial-")) << e.path();
  }
  r = A({"import"});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_TRUE(absl::StrContains(
      r.err, "archivectl import MANIFEST.tsv --dir DIR | import --bagit DIR"))
      << Describe(r);
  r = A({"export", tmp_.path() + "/x"});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
}

// The server verifies what it is handed: a forged statement or content that
// does not match its statement is refused however the client behaves.
TEST_F(BagitTest, ServerChecksImportedStatementsItself) {
  ASSERT_NO_FATAL_FAILURE(LoadOddIdsIntoA());
  std::string bag = Export({"~x"});
  std::string dir = bag + "/" + RevisionDirs(bag).front();
  std::string note = ReadFileOrDie(dir + "/statement.note");
  std::string content = dir + "/content.txt";
  ASSERT_NO_FATAL_FAILURE(StartB(/*trust_a=*/true));
  ArchiveClient client(ArchiveClient::Dial(b_->address()));

  std::string forged =
      absl::StrReplaceAll(note, {{"origin a.archive", "origin A.archive"}});
  auto reply = client.ImportRevision(forged, content, false);
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(reply.status()) ||
              absl::IsFailedPrecondition(reply.status()))
      << reply.status();
  forged =
      absl::StrReplaceAll(note, {{"submitted-by local", "submitted-by x"}});
  reply = client.ImportRevision(forged, content, false);
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(reply.status())) << reply.status();
  EXPECT_TRUE(absl::StrContains(reply.status().message(), "signature"))
      << reply.status();

  std::string wrong = tmp_.path() + "/wrong";
  WriteFileOrDie(wrong, "first text of ~X\n");  // same size, other bytes
  reply = client.ImportRevision(note, wrong, false);
  ASSERT_FALSE(reply.ok());
  EXPECT_TRUE(absl::IsDataLoss(reply.status())) << reply.status();
  EXPECT_TRUE(absl::StrContains(reply.status().message(),
                                "does not match its signed statement"))
      << reply.status();
  ExpectNothingOnB();

  reply = client.ImportRevision(note, content, false);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(reply->created());
  reply = client.ImportRevision(note, content, false);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_FALSE(reply->created());
  EXPECT_TRUE(reply->already_present());
}

// Issue 11, defect 9: bagit.txt is read before the bag's tree is checked, so
// it must be refused on its own if it is not a regular file, at once.
TEST_F(BagitTest, BagitTxtLinkToDevZeroIsRefused) {
  ASSERT_NO_FATAL_FAILURE(LoadOddIdsIntoA());
  std::string bag = Export({".."});
  fs::remove(bag + "/bagit.txt");
  fs::create_symlink("/dev/zero", bag + "/bagit.txt");
  ASSERT_NO_FATAL_FAILURE(StartB(/*trust_a=*/true));
  ProcessResult r =
      RunBounded(*b_cli_, b_->address(),
                 {"--trust", client_trust_, "import", "--bagit", bag});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "bagit.txt is a symbolic link"))
      << Describe(r);
  ExpectNothingOnB();
}

TEST_F(BagitTest, BagitTxtFifoIsRefused) {
  ASSERT_NO_FATAL_FAILURE(LoadOddIdsIntoA());
  std::string bag = Export({".."});
  fs::remove(bag + "/bagit.txt");
  ASSERT_EQ(::mkfifo((bag + "/bagit.txt").c_str(), 0600), 0);
  ASSERT_NO_FATAL_FAILURE(StartB(/*trust_a=*/true));
  ProcessResult r =
      RunBounded(*b_cli_, b_->address(),
                 {"--trust", client_trust_, "import", "--bagit", bag}, 20);
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "bagit.txt is a FIFO")) << Describe(r);
  ExpectNothingOnB();
}

// The client trusts the bag's archive but not the one it imports into: it
// must find that out before sending anything, not after the archive stored
// the first revision and sent a receipt the client cannot check.
TEST_F(BagitTest, UntrustedKeyStoresNothing) {
  ASSERT_NO_FATAL_FAILURE(LoadOddIdsIntoA());
  std::string bag = Export();
  ASSERT_NO_FATAL_FAILURE(StartB(/*trust_a=*/true));
  ProcessResult r = b_cli_->Run({"--trust", a_key_, "import", "--bagit", bag});
  EXPECT_EQ(r.exit_code, 4) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "b.archive.example is not trusted"))
      << Describe(r);
  ExpectNothingOnB();
  EXPECT_EQ(TreeSizeOfB(), 0u);
}

}  // namespace
}  // namespace archive::testing
