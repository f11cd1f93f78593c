// archivectl import: the corpus through the real archivectl into a real
// archived — metadata and digests, re-runs that store nothing, interrupted
// imports that complete, and rows that fail alone.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

class BulkImport : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer::Start();
    ASSERT_TRUE(server_->running());
    cli_ = std::make_unique<Cli>(server_->address());
    observer_.set_server(server_->address());
    corpus_ = LoadCorpus();
    ASSERT_EQ(corpus_.size(), 18u);
    // A copy, so a test may alter it.
    dir_ = tmp_.path() + "/corpus";
    fs::copy(CorpusDir(), dir_, fs::copy_options::recursive);
    manifest_ = dir_ + "/manifest.tsv";
  }

  // archivectl import MANIFEST --dir DIR ARGS --json.
  ProcessResult Import(const std::string& manifest,
                       const std::vector<std::string>& args = {}) {
    std::vector<std::string> argv = {"import", manifest, "--dir", dir_,
                                     "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    return cli_->Run(argv);
  }

  // A manifest of the header and the given data rows (0-based) of the
  // corpus manifest.
  std::string PartialManifest(const std::string& name, size_t from, size_t to) {
    std::vector<std::string> lines =
        absl::StrSplit(ReadFileOrDie(manifest_), '\n', absl::SkipEmpty());
    std::string text = lines[0] + "\n";
    for (size_t i = from; i < to; ++i) text += lines[i + 1] + "\n";
    std::string path = tmp_.path() + "/" + name;
    WriteFileOrDie(path, text);
    return path;
  }

  Json History(const std::string& doc) {
    ProcessResult r = cli_->Run({"history", doc, "--json"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    return ParseJson(r);
  }

  std::map<std::string, size_t> HistoryLengths() {
    std::map<std::string, size_t> lengths;
    for (const CorpusDocument& d : corpus_) {
      lengths[d.id] = History(d.id)["revisions"].size();
    }
    return lengths;
  }

  // The tree size of the archive's latest checkpoint: the number of
  // revisions it ever logged. Asked with a client config of its own, so it
  // may run while an import runs (two archivectl sharing a config directory
  // race on saving the newest checkpoint they saw).
  std::string TreeSize() {
    ProcessResult r = observer_.Run({"checkpoint"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    std::vector<std::string> lines = absl::StrSplit(r.out, '\n');
    return lines.size() > 1 ? lines[1] : "";
  }

  // Every corpus document is in the archive as raw then corrected text, with
  // the manifest's metadata.
  void ExpectCorpusImported() {
    for (const CorpusDocument& d : corpus_) {
      SCOPED_TRACE(d.id);
      Json h = History(d.id);
      ASSERT_EQ(h["revisions"].size(), 2u) << h.dump();
      const Json& clean = h["revisions"][0];
      const Json& raw = h["revisions"][1];
      EXPECT_EQ(h["heads"], Json::array({clean["revision_id"]}));
      EXPECT_EQ(clean.value("sha256", ""), d.clean_sha256);
      EXPECT_EQ(clean.value("size", 0L), d.clean_bytes);
      EXPECT_EQ(raw.value("sha256", ""), d.raw_sha256);
      EXPECT_EQ(raw.value("size", 0L), d.raw_bytes);
      for (const Json* r : {&clean, &raw}) {
        EXPECT_EQ(r->value("title", ""), d.title);
        EXPECT_EQ(r->value("issuer", ""), d.issuer);
        EXPECT_EQ(r->value("number", ""), d.number);
        EXPECT_EQ(r->value("region", ""), d.region);
        EXPECT_EQ(r->value("date", ""), d.date);
        EXPECT_EQ(r->value("media_type", ""), "text/plain; charset=utf-8");
        EXPECT_EQ(r->value("status", ""),
                  absl::StartsWith(d.note, "expired") ? "expired" : "in_force");
      }
      EXPECT_TRUE(absl::StrContains(clean.value("note", ""), "corrected text"));
      EXPECT_TRUE(absl::StrContains(raw.value("note", ""), "raw text"));
    }
  }

  TempDir tmp_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Cli> cli_;
  Cli observer_{""};
  std::vector<CorpusDocument> corpus_;
  std::string dir_, manifest_;
};

TEST_F(BulkImport, ImportsTheCorpusWithItsMetadata) {
  ProcessResult r = Import(manifest_);
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  Json summary = ParseJson(r);
  EXPECT_EQ(summary.value("imported", -1), 18) << r.out;
  EXPECT_EQ(summary.value("present", -1), 0);
  EXPECT_EQ(summary.value("failed", -1), 0);
  EXPECT_EQ(summary.value("revisions_created", -1), 36);
  EXPECT_EQ(summary.value("layout", ""), "raw+clean");
  ExpectCorpusImported();
  EXPECT_EQ(TreeSize(), "36");

  // What the archive serves, verified, is the corrected file.
  const CorpusDocument& d = corpus_[1];
  std::string out = tmp_.path() + "/got.txt";
  ProcessResult get = cli_->Run({"get", d.id, "-o", out});
  ASSERT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(FileSha256(out), d.clean_sha256);
}

TEST_F(BulkImport, RunningAgainStoresNothing) {
  ProcessResult first = Import(manifest_);
  ASSERT_EQ(first.exit_code, 0) << Describe(first);
  std::map<std::string, size_t> lengths = HistoryLengths();
  std::string tree = TreeSize();

  ProcessResult again = Import(manifest_);
  ASSERT_EQ(again.exit_code, 0) << Describe(again);
  Json summary = ParseJson(again);
  EXPECT_EQ(summary.value("imported", -1), 0) << again.out;
  EXPECT_EQ(summary.value("present", -1), 18);
  EXPECT_EQ(summary.value("revisions_created", -1), 0);
  EXPECT_EQ(summary.value("bytes_sent", -1), 0);
  EXPECT_EQ(HistoryLengths(), lengths);
  EXPECT_EQ(TreeSize(), tree);

  // The human-readable run says the same.
  ProcessResult text = cli_->Run({"import", manifest_, "--dir", dir_});
  ASSERT_EQ(text.exit_code, 0) << Describe(text);
  EXPECT_TRUE(absl::StrContains(
      text.out,
      "18 documents: 0 imported, 18 already present, 0 failed; 0 "
      "revisions stored, 0 B sent"))
      << text.out;
  EXPECT_EQ(TreeSize(), tree);
}

TEST_F(BulkImport, ImportStoppedHalfwayCompletes) {
  // Stopped between rows: only the first half was imported.
  ProcessResult half = Import(PartialManifest("half.tsv", 0, 9));
  ASSERT_EQ(half.exit_code, 0) << Describe(half);
  // Stopped inside rows: the raw text of three more is there, not the clean.
  ProcessResult raw =
      Import(PartialManifest("raw.tsv", 9, 12), {"--revision", "raw"});
  ASSERT_EQ(raw.exit_code, 0) << Describe(raw);
  EXPECT_EQ(TreeSize(), "21");

  ProcessResult full = Import(manifest_);
  ASSERT_EQ(full.exit_code, 0) << Describe(full);
  Json summary = ParseJson(full);
  EXPECT_EQ(summary.value("present", -1), 9) << full.out;
  EXPECT_EQ(summary.value("imported", -1), 9);
  EXPECT_EQ(summary.value("revisions_created", -1), 36 - 21);
  ExpectCorpusImported();
  EXPECT_EQ(TreeSize(), "36");
}

TEST_F(BulkImport, ImportKilledMidwayCompletesOnTheNextRun) {
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setenv("XDG_CONFIG_HOME", cli_->config_home().c_str(), 1);
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    std::string server = server_->address();
    ::execl(ArchivectlPath().c_str(), "archivectl", "--server", server.c_str(),
            "import", manifest_.c_str(), "--dir", dir_.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Killed once about half of the 36 revisions are in the log (often between
  // a document's raw and clean text). The import runs in slices of 1 ms and
  // is stopped while the log is counted, so a fast machine cannot finish it
  // between two looks.
  int status = 0;
  int logged = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(pid, SIGCONT);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ::kill(pid, SIGSTOP);
    logged = std::atoi(TreeSize().c_str());
    if (logged >= 17) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
  }
  ASSERT_TRUE(WIFSIGNALED(status)) << "the import ended before it was killed";
  logged = std::atoi(TreeSize().c_str());
  EXPECT_GE(logged, 17);
  EXPECT_LT(logged, 36);

  ProcessResult rerun = Import(manifest_);
  ASSERT_EQ(rerun.exit_code, 0) << Describe(rerun);
  ExpectCorpusImported();
  EXPECT_EQ(TreeSize(), "36");
}

TEST_F(BulkImport, ArchiveDownStopsTheImportAndARerunResumes) {
  ProcessResult half = Import(PartialManifest("half.tsv", 0, 9));
  ASSERT_EQ(half.exit_code, 0) << Describe(half);
  server_->Kill();
  ProcessResult down = Import(manifest_);
  EXPECT_EQ(down.exit_code, 1) << Describe(down);
  Json summary = ParseJson(down);
  // The first row meets the dead archive; the rest are not tried one by one.
  EXPECT_EQ(summary.value("failed", -1), 1) << down.out;
  EXPECT_EQ(summary.value("not_attempted", -1), 17);
  EXPECT_TRUE(absl::StrContains(down.err, "run the import again to resume"))
      << Describe(down);

  ASSERT_TRUE(server_->Restart());
  ProcessResult rerun = Import(manifest_);
  ASSERT_EQ(rerun.exit_code, 0) << Describe(rerun);
  EXPECT_EQ(ParseJson(rerun).value("present", -1), 9) << rerun.out;
  ExpectCorpusImported();
  EXPECT_EQ(TreeSize(), "36");
}

TEST_F(BulkImport, AlteredFileFailsOnlyItsRow) {
  // One byte of one corrected text changed, same size.
  const CorpusDocument& altered = corpus_[4];
  std::string path = dir_ + "/clean/" + altered.id + ".txt";
  std::string text = ReadFileOrDie(path);
  text[text.size() / 2] ^= 0x01;
  WriteFileOrDie(path, text);

  ProcessResult r = Import(manifest_);
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(
      absl::StrContains(r.err, absl::StrCat("row 5 (line 6) ", altered.id)))
      << Describe(r);
  Json summary = ParseJson(r);
  EXPECT_EQ(summary.value("imported", -1), 17) << r.out;
  EXPECT_EQ(summary.value("failed", -1), 1);
  const Json& row = summary["rows"][4];
  EXPECT_EQ(row.value("id", ""), altered.id);
  EXPECT_EQ(row.value("outcome", ""), "failed");
  EXPECT_TRUE(absl::StrContains(row.value("error", ""), "sha256"))
      << row.dump();
  // Nothing of that row was stored, not even its (intact) raw text.
  ProcessResult h = cli_->Run({"history", altered.id});
  EXPECT_NE(h.exit_code, 0) << Describe(h);
  EXPECT_EQ(TreeSize(), "34");
}

TEST_F(BulkImport, MalformedManifestIsRefusedWhole) {
  std::string text = ReadFileOrDie(manifest_);
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  lines[4] = lines[4].substr(0, lines[4].rfind('\t'));  // one field short
  std::string bad = tmp_.path() + "/bad.tsv";
  WriteFileOrDie(bad, absl::StrJoin(lines, "\n"));
  ProcessResult r = Import(bad);
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(absl::StrContains(
      r.err, "bad.tsv line 5: 10 fields, but the header has 11 columns"))
      << Describe(r);

  std::string no_id = tmp_.path() + "/no-id.tsv";
  WriteFileOrDie(no_id, "title\tdate\n标题\t2023-01-01\n");
  r = Import(no_id);
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(
      absl::StrContains(r.err, "line 1: missing required column \"id\""))
      << Describe(r);

  ProcessResult ls = cli_->Run({"ls", "--json"});
  ASSERT_EQ(ls.exit_code, 0) << Describe(ls);
  EXPECT_EQ(ParseJson(ls).size(), 0u) << ls.out;
}

TEST_F(BulkImport, FlatDirectoryIsOneRevisionPerDocument) {
  std::string flat = dir_ + "/clean";
  ProcessResult r = cli_->Run(
      {"import", manifest_, "--dir", flat, "--json", "--status", "draft"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_EQ(ParseJson(r).value("layout", ""), "flat");
  for (const CorpusDocument& d : corpus_) {
    Json h = History(d.id);
    ASSERT_EQ(h["revisions"].size(), 1u) << d.id;
    EXPECT_EQ(h["revisions"][0].value("sha256", ""), d.clean_sha256);
    EXPECT_EQ(h["revisions"][0].value("status", ""), "draft");
  }
  ProcessResult both =
      cli_->Run({"import", manifest_, "--dir", flat, "--revision", "both"});
  EXPECT_EQ(both.exit_code, 2) << Describe(both);
}

}  // namespace
}  // namespace archive::testing
