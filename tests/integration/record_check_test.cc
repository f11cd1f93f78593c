// The four-property check (四性检测, archivectl check) against real servers:
// a corpus document passes all four under mutual TLS; on plaintext loopback
// the report says so; missing metadata warns on integrity; text that is not
// UTF-8 fails usability; a damaged blob fails integrity with DATA_LOSS (and the
// other revisions are still checked); an untrusted archive key fails
// authenticity; the last scrub's time and outcome are shown and survive a
// restart; anonymous writers over TLS fail security; --json has the fields
// README documents.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/integration/sync_test_util.h"
#include "tests/integration/tls_test_util.h"

namespace archive::testing {
namespace {

constexpr const char* kProperties[] = {"authenticity", "integrity", "usability",
                                       "security"};

// The corpus document the tests archive, with all its metadata.
CorpusDocument CorpusDoc() {
  std::vector<CorpusDocument> corpus = LoadCorpus();
  EXPECT_FALSE(corpus.empty());
  return corpus.empty() ? CorpusDocument{} : corpus[0];
}

// archivectl check ... --json, parsed; *code gets the exit status.
Json CheckJson(const ProcessResult& r) {
  Json j = Json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << Describe(r);
  return j;
}

// The check named `name` of a revision's property (null if absent).
Json Finding(const Json& revision, const std::string& property,
             const std::string& name) {
  for (const Json& f : revision["properties"][property]["checks"]) {
    if (f["check"] == name) return f;
  }
  ADD_FAILURE() << "no " << property << " check " << name << " in "
                << revision.dump(2);
  return Json();
}

// Every field README documents is there, with the right types.
void ExpectDocumentedShape(const Json& j) {
  for (const char* key : {"document_id", "checked_at", "result", "summary",
                          "archive", "revisions"}) {
    EXPECT_TRUE(j.contains(key)) << key << " missing: " << j.dump(2);
  }
  for (const char* key :
       {"server", "connection_tls", "origin", "verifier_key", "log_size",
        "transport", "caller", "access", "last_scrub"}) {
    EXPECT_TRUE(j["archive"].contains(key)) << key << ": " << j.dump(2);
  }
  ASSERT_TRUE(j["revisions"].is_array());
  for (const Json& r : j["revisions"]) {
    for (const char* key :
         {"revision_id", "head", "status", "origin", "submitted_by",
          "submitted_at", "result", "properties", "facts"}) {
      EXPECT_TRUE(r.contains(key)) << key << ": " << r.dump(2);
    }
    for (const char* p : kProperties) {
      const Json& prop = r["properties"][p];
      EXPECT_TRUE(prop["name_zh"].is_string()) << p;
      EXPECT_TRUE(prop["result"] == "pass" || prop["result"] == "warn" ||
                  prop["result"] == "fail")
          << p << ": " << prop.dump();
      ASSERT_TRUE(prop["checks"].is_array()) << p;
      EXPECT_FALSE(prop["checks"].empty()) << p;
      for (const Json& f : prop["checks"]) {
        EXPECT_TRUE(f["check"].is_string() && f["result"].is_string() &&
                    f["detail"].is_string())
            << f.dump();
      }
    }
    for (const char* key :
         {"signer_key", "leaf_index", "checkpoint_size", "sha256", "size",
          "media_type", "content_read", "missing_metadata"}) {
      EXPECT_TRUE(r["facts"].contains(key)) << key << ": " << r.dump(2);
    }
  }
}

// One office on plaintext loopback.
class RecordCheck : public ::testing::Test {
 protected:
  // Blobs as files: some tests damage one on disk (inline blobs' damage is
  // covered by TamperInline and ScrubRepairInline).
  void SetUp() override {
    office_ = Office::Start(Office::Options{
        "check.archive.test", "", {"--inline_blob_max_bytes=0"}, 0});
  }

  ProcessResult Check(const std::string& doc,
                      const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {"check", doc, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return office_->Ctl(args);
  }

  std::unique_ptr<Office> office_;
};

TEST_F(RecordCheck, PlaintextReportSaysSoAndHasTheDocumentedFields) {
  CorpusDocument d = CorpusDoc();
  std::string rev = office_->Put(d.raw_path(), d.id, d.PutFlags());
  ProcessResult r = Check(d.id);
  ASSERT_EQ(r.exit_code, 0) << "warnings do not fail: " << Describe(r);
  Json j = CheckJson(r);
  ASSERT_NO_FATAL_FAILURE(ExpectDocumentedShape(j));
  EXPECT_EQ(j["document_id"], d.id);
  EXPECT_EQ(j["result"], "warn");
  EXPECT_EQ(j["archive"]["transport"], "plaintext-loopback");
  EXPECT_EQ(j["archive"]["connection_tls"], false);
  EXPECT_EQ(j["archive"]["caller"]["identity"], "local");
  EXPECT_EQ(j["archive"]["origin"], office_->origin());
  EXPECT_EQ(j["archive"]["verifier_key"], office_->verifier_key());
  ASSERT_EQ(j["revisions"].size(), 1u);
  const Json& rv = j["revisions"][0];
  EXPECT_EQ(rv["revision_id"], rev);
  EXPECT_EQ(rv["head"], true);
  EXPECT_EQ(rv["properties"]["authenticity"]["name_zh"], "真实性");
  EXPECT_EQ(rv["properties"]["integrity"]["result"], "pass") << rv.dump(2);
  EXPECT_EQ(rv["properties"]["usability"]["result"], "pass") << rv.dump(2);
  EXPECT_EQ(Finding(rv, "authenticity", "signature")["result"], "pass");
  // Nobody vouched for "local", and plaintext is said plainly.
  EXPECT_EQ(Finding(rv, "authenticity", "submitter")["result"], "warn");
  Json connection = Finding(rv, "security", "connection");
  EXPECT_EQ(connection["result"], "warn");
  EXPECT_TRUE(
      absl::StrContains(connection["detail"].get<std::string>(), "plaintext"))
      << connection.dump();
  EXPECT_EQ(rv["facts"]["sha256"], d.raw_sha256);
  EXPECT_EQ(rv["facts"]["size"], d.raw_bytes);
  EXPECT_EQ(rv["facts"]["signer_key"], office_->verifier_key());
  EXPECT_EQ(rv["facts"]["media_type"], "text/plain; charset=utf-8");

  // The human report names the properties in both languages.
  ProcessResult text = office_->Ctl({"check", d.id});
  EXPECT_EQ(text.exit_code, 0) << Describe(text);
  EXPECT_TRUE(ContainsAll(
      text.out, {"真实性 authenticity", "完整性 integrity", "可用性 usability",
                 "安全性 security", rev, "plaintext", "result: WARN"}))
      << text.out;
}

TEST_F(RecordCheck, MissingTitleIssuerNumberWarnsOnIntegrity) {
  office_->PutText("no-metadata", "关于数据共享的通知\n",
                   {"--date", "2023-05-01"});
  ProcessResult r = Check("no-metadata");
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  Json j = CheckJson(r);
  ASSERT_EQ(j["revisions"].size(), 1u) << r.out;
  const Json& rv = j["revisions"][0];
  EXPECT_EQ(rv["properties"]["integrity"]["result"], "warn") << rv.dump(2);
  Json metadata = Finding(rv, "integrity", "metadata");
  EXPECT_EQ(metadata["result"], "warn");
  EXPECT_TRUE(ContainsAll(metadata["detail"], {"title", "issuer", "number"}))
      << metadata.dump();
  EXPECT_EQ(rv["facts"]["missing_metadata"],
            Json::array({"title", "issuer", "number"}));
  EXPECT_EQ(Finding(rv, "integrity", "digest")["result"], "pass");
}

TEST_F(RecordCheck, TextThatIsNotUtf8FailsUsability) {
  office_->PutText("bad-text", "第一条\xff\xfe 数据\n",
                   {"--media-type", "text/plain; charset=utf-8"});
  ProcessResult r = Check("bad-text");
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_TRUE(ContainsAll(r.err, {"usability", "not valid UTF-8"}))
      << Describe(r);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  Json j = CheckJson(r);
  EXPECT_EQ(j["result"], "fail");
  const Json& rv = j["revisions"][0];
  EXPECT_EQ(rv["result"], "fail");
  EXPECT_EQ(rv["properties"]["usability"]["result"], "fail") << rv.dump(2);
  Json media = Finding(rv, "usability", "media-type");
  EXPECT_EQ(media["result"], "fail");
  EXPECT_TRUE(
      absl::StrContains(media["detail"].get<std::string>(), "byte offset 9"))
      << media.dump();
  // The bytes are exactly what was archived: only usability fails (integrity
  // warns about the missing metadata).
  EXPECT_EQ(Finding(rv, "integrity", "digest")["result"], "pass");
  EXPECT_EQ(rv["properties"]["integrity"]["result"], "warn") << rv.dump(2);
  EXPECT_EQ(rv["properties"]["authenticity"]["result"], "warn") << rv.dump(2);
}

TEST_F(RecordCheck, DamagedBlobFailsIntegrityWithDataLossAndOthersAreChecked) {
  const std::string older = "第一版：关于数据共享的通知\n";
  const std::string newer = "第二版：关于数据共享的通知（修订）\n";
  std::string first = office_->PutText("two-revs", older);
  std::string second = office_->PutText("two-revs", newer, {"--parent", first});
  FlipByte(office_->BlobPath(BytesSha256(older)), 4);

  ProcessResult r = Check("two-revs");
  EXPECT_EQ(r.exit_code, 1) << "a failure, not a crash: " << Describe(r);
  EXPECT_TRUE(
      ContainsAll(r.err, {first.substr(0, 12), "integrity", "DATA_LOSS"}))
      << Describe(r);
  Json j = CheckJson(r);
  ASSERT_EQ(j["revisions"].size(), 2u) << r.out;
  const Json& newest = j["revisions"][0];
  const Json& damaged = j["revisions"][1];
  EXPECT_EQ(newest["revision_id"], second);
  EXPECT_EQ(newest["properties"]["integrity"]["result"], "warn")
      << "only its metadata is missing: " << newest.dump(2);
  EXPECT_EQ(Finding(newest, "authenticity", "parents")["result"], "pass");
  EXPECT_EQ(damaged["revision_id"], first);
  Json digest = Finding(damaged, "integrity", "digest");
  EXPECT_EQ(digest["result"], "fail");
  EXPECT_TRUE(
      absl::StrContains(digest["detail"].get<std::string>(), "DATA_LOSS"))
      << digest.dump();
  EXPECT_EQ(Finding(damaged, "usability", "readable")["result"], "fail");
  EXPECT_EQ(damaged["facts"]["content_read"], false);
  // The statement is intact and still checked.
  EXPECT_EQ(damaged["properties"]["authenticity"]["result"], "warn")
      << damaged.dump(2);
  EXPECT_EQ(Finding(damaged, "integrity", "inclusion")["result"], "pass");

  // The human report, too, is a report and not a crash.
  ProcessResult text = office_->Ctl({"check", "two-revs"});
  EXPECT_EQ(text.exit_code, 1) << Describe(text);
  EXPECT_TRUE(ContainsAll(text.out, {"DATA_LOSS", "result: FAIL"})) << text.out;
}

TEST_F(RecordCheck, UntrustedArchiveKeyFailsAuthenticity) {
  office_->PutText("doc", "关于数据共享的通知\n");
  auto stranger = Office::Start("stranger.archive.test");
  std::string trust =
      WriteTrustFile(office_->scratch() + "/stranger-only", {stranger.get()});
  ProcessResult r = Check("doc", {"--trust", trust});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  Json j = CheckJson(r);
  ASSERT_EQ(j["revisions"].size(), 1u) << r.out;
  const Json& rv = j["revisions"][0];
  EXPECT_EQ(rv["properties"]["authenticity"]["result"], "fail") << rv.dump(2);
  Json signature = Finding(rv, "authenticity", "signature");
  EXPECT_TRUE(
      ContainsAll(signature["detail"], {office_->origin(), "not trusted"}))
      << signature.dump();
  EXPECT_EQ(rv["facts"]["signer_key"], "");
  EXPECT_TRUE(absl::StrContains(r.err, "authenticity")) << Describe(r);
}

TEST_F(RecordCheck, LastScrubIsShownAndSurvivesRestart) {
  const std::string text = "关于数据共享的通知\n";
  office_->PutText("doc", text);
  Json before = CheckJson(Check("doc"));
  EXPECT_TRUE(before["archive"]["last_scrub"].is_null()) << before.dump(2);
  Json never = Finding(before["revisions"][0], "security", "scrub");
  EXPECT_EQ(never["result"], "warn");
  EXPECT_TRUE(
      absl::StrContains(never["detail"].get<std::string>(), "never scrubbed"))
      << never.dump();

  ProcessResult scrub = office_->Ctl({"scrub"});
  ASSERT_EQ(scrub.exit_code, 0) << Describe(scrub);
  Json after = CheckJson(Check("doc"));
  const Json& last = after["archive"]["last_scrub"];
  ASSERT_TRUE(last.is_object()) << after.dump(2);
  std::string finished = last["finished_at"];
  EXPECT_EQ(finished.size(), 20u) << finished;  // 2026-11-30T04:20:00Z
  EXPECT_EQ(last["blobs_checked"], 1);
  EXPECT_EQ(last["damaged_blobs"], 0);
  EXPECT_EQ(last["clean"], true);
  Json scrubbed = Finding(after["revisions"][0], "security", "scrub");
  EXPECT_EQ(scrubbed["result"], "pass");
  EXPECT_TRUE(
      absl::StrContains(scrubbed["detail"].get<std::string>(), finished))
      << scrubbed.dump();

  ASSERT_TRUE(office_->server().Restart());
  Json restarted = CheckJson(Check("doc"));
  EXPECT_EQ(restarted["archive"]["last_scrub"], last) << restarted.dump(2);

  // A scrub that finds damage is recorded as such.
  FlipByte(office_->BlobPath(BytesSha256(text)), 2);
  EXPECT_NE(office_->Ctl({"scrub"}).exit_code, 0);
  Json damaged = CheckJson(Check("doc"));
  EXPECT_EQ(damaged["archive"]["last_scrub"]["damaged_blobs"], 1);
  EXPECT_EQ(damaged["archive"]["last_scrub"]["clean"], false);
  EXPECT_EQ(Finding(damaged["revisions"][0], "security", "scrub")["result"],
            "warn");
}

TEST_F(RecordCheck, RevSelectsOneRevisionAndUnknownOnesAreRefused) {
  std::string first = office_->PutText("doc", "一\n");
  std::string second = office_->PutText("doc", "二\n", {"--parent", first});
  Json all = CheckJson(Check("doc"));
  ASSERT_EQ(all["revisions"].size(), 2u);
  EXPECT_EQ(all["revisions"][0]["revision_id"], second) << "newest first";
  EXPECT_EQ(all["revisions"][1]["head"], false);

  Json one = CheckJson(Check("doc", {"--rev", first}));
  ASSERT_EQ(one["revisions"].size(), 1u);
  EXPECT_EQ(one["revisions"][0]["revision_id"], first);

  ProcessResult unknown = Check("doc", {"--rev", std::string(64, 'a')});
  EXPECT_EQ(unknown.exit_code, 3) << Describe(unknown);
  EXPECT_TRUE(absl::StrContains(unknown.err, "not a revision of doc"))
      << Describe(unknown);
  ProcessResult no_doc = Check("no-such-doc");
  EXPECT_EQ(no_doc.exit_code, 3) << Describe(no_doc);
  ProcessResult usage = office_->Ctl({"check"});
  EXPECT_EQ(usage.exit_code, 2) << Describe(usage);
}

// Mutual TLS: an archivist archives a corpus document with its metadata, an
// admin scrubs, a reader checks.
TEST(RecordCheckTls, CorpusDocumentPassesAllFourUnderMutualTls) {
  TempDir dir;
  OfficeCerts certs{dir.path() + "/certs"};
  ASSERT_NO_FATAL_FAILURE(
      MakeCerts(certs.dir, "tls.archive.test",
                {"archivist-alice", "reader-bob", "admin"}));
  std::string config = dir.path() + "/archived.textproto";
  WriteFileOrDie(
      config,
      "roles { identity: \"archivist-alice\" roles: \"archivist\" }\n"
      "roles { identity: \"reader-bob\" roles: \"reader\" }\n"
      "roles { identity: \"admin\" roles: \"admin\" }\n");
  auto server = TestServer::Start(
      certs.MutualTlsServer("tls.archive.test", config, "admin"));
  ASSERT_TRUE(server->running());
  Cli cli(server->address());
  auto ctl = [&](const std::string& who, std::vector<std::string> args) {
    std::vector<std::string> flags = certs.CtlFlags(who);
    args.insert(args.begin(), flags.begin(), flags.end());
    return cli.Run(args);
  };

  CorpusDocument d = CorpusDoc();
  std::vector<std::string> put = {"put", d.raw_path(), "--id", d.id};
  for (const std::string& f : d.PutFlags()) put.push_back(f);
  ProcessResult p = ctl("archivist-alice", put);
  ASSERT_EQ(p.exit_code, 0) << Describe(p);
  ProcessResult scrub = ctl("admin", {"scrub"});
  ASSERT_EQ(scrub.exit_code, 0) << Describe(scrub);

  ProcessResult r = ctl("reader-bob", {"check", d.id, "--json"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  Json j = CheckJson(r);
  ASSERT_NO_FATAL_FAILURE(ExpectDocumentedShape(j));
  EXPECT_EQ(j["result"], "pass") << j.dump(2);
  ASSERT_EQ(j["revisions"].size(), 1u);
  for (const char* p : kProperties) {
    EXPECT_EQ(j["revisions"][0]["properties"][p]["result"], "pass")
        << p << ": " << j["revisions"][0]["properties"][p].dump(2);
  }
  EXPECT_EQ(j["revisions"][0]["submitted_by"], "archivist-alice");
  const Json& a = j["archive"];
  EXPECT_EQ(a["connection_tls"], true);
  EXPECT_EQ(a["transport"], "mutual-tls");
  EXPECT_EQ(a["caller"]["identity"], "reader-bob");
  EXPECT_EQ(a["caller"]["authenticated"], true);
  EXPECT_EQ(a["caller"]["roles"], Json::array({"reader"}));
  EXPECT_EQ(a["access"]["readers"],
            Json::array({"admin", "archivist-alice", "reader-bob"}));
  EXPECT_EQ(a["access"]["archivists"],
            Json::array({"admin", "archivist-alice"}));
  EXPECT_EQ(a["access"]["peers"], Json::array({"admin"}));
  EXPECT_EQ(a["access"]["admins"], Json::array({"admin"}));
  EXPECT_EQ(a["last_scrub"]["clean"], true);

  ProcessResult text = ctl("reader-bob", {"check", d.id});
  EXPECT_EQ(text.exit_code, 0) << Describe(text);
  EXPECT_TRUE(
      ContainsAll(text.out, {"mutual TLS", "reader-bob", "result: PASS"}))
      << text.out;
}

// TLS without client certificates where "anonymous" may archive: anyone who
// can connect may change the archive, which fails security.
TEST(RecordCheckTls, AnonymousWritersFailSecurity) {
  TempDir dir;
  OfficeCerts certs{dir.path() + "/certs"};
  ASSERT_NO_FATAL_FAILURE(MakeCerts(certs.dir, "anon.archive.test", {}));
  std::string config = dir.path() + "/archived.textproto";
  WriteFileOrDie(config,
                 "roles { identity: \"anonymous\" roles: \"archivist\" }\n");
  TestServer::Options options;
  options.origin = "anon.archive.test";
  options.extra_flags = {"--tls_cert=" + certs.server_cert(),
                         "--tls_key=" + certs.server_key(),
                         "--config=" + config};
  options.tls_ca = certs.ca();
  auto server = TestServer::Start(options);
  ASSERT_TRUE(server->running());
  Cli cli(server->address());
  std::string path = dir.path() + "/doc.txt";
  WriteFileOrDie(path, "关于数据共享的通知\n");
  ProcessResult put =
      cli.Run({"--tls_ca", certs.ca(), "put", path, "--id", "doc"});
  ASSERT_EQ(put.exit_code, 0) << Describe(put);

  ProcessResult r = cli.Run({"--tls_ca", certs.ca(), "check", "doc", "--json"});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  Json j = CheckJson(r);
  ASSERT_EQ(j["revisions"].size(), 1u) << r.out;
  const Json& rv = j["revisions"][0];
  EXPECT_EQ(j["archive"]["transport"], "tls");
  EXPECT_EQ(Finding(rv, "security", "connection")["result"], "pass");
  Json access = Finding(rv, "security", "access");
  EXPECT_EQ(access["result"], "fail");
  EXPECT_TRUE(
      absl::StrContains(access["detail"].get<std::string>(), "anonymous"))
      << access.dump();
  EXPECT_EQ(Finding(rv, "authenticity", "submitter")["result"], "warn");
}

}  // namespace
}  // namespace archive::testing
