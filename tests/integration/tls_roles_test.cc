// Mutual TLS and roles end to end (issue 5), with real certificates from
// deploy/make-certs.sh: every role may do what it should, every forbidden
// combination is refused with PERMISSION_DENIED naming the identity and the
// missing role and leaves an audit line; the certificate identity is the
// submitter and nobody can claim another; foreign and missing client
// certificates fail the handshake; plaintext to the TLS port fails cleanly;
// archived refuses plaintext on a non-loopback address; TLS without client
// certificates is anonymous and read-only; and sync between offices over mutual
// TLS, refused for a peer without the peer role.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "archive/v1/archive.grpc.pb.h"
#include "clients/api/archive_client.h"
#include "nlohmann/json.hpp"
#include "storage/base/sha256.h"
#include "tests/integration/test_harness.h"
#include "tests/integration/tls_test_util.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kOffice[] = "a.archive.test";
constexpr char kTlsRolesDoc[] = "gx-2023-roles-1";
constexpr char kTlsRolesText[] =
    "关于印发档案管理办法的通知\n第一条 为了规范档案管理。\n";

std::string ReadVerifierKey(const std::string& data_dir) {
  return std::string(absl::StripAsciiWhitespace(
      ReadFileOrDie(data_dir + "/keys/verifier.key")));
}

// archived for kOffice under mutual TLS with `certs`, its roles config in
// `dir` (archivist-alice, reader-bob, peer-x and admin hold the roles their
// names say), and `extra_flags`. The harness's health check presents admin's
// certificate.
std::unique_ptr<TestServer> StartWithRoles(
    const OfficeCerts& certs, const std::string& dir,
    const std::vector<std::string>& extra_flags = {}) {
  std::string config = dir + "/archived.textproto";
  WriteFileOrDie(config,
                 "roles { identity: \"archivist-alice\" roles: "
                 "\"archivist\" }\n"
                 "roles { identity: \"reader-bob\" roles: \"reader\" }\n"
                 "roles { identity: \"peer-x\" roles: \"peer\" }\n"
                 "roles { identity: \"admin\" roles: \"admin\" }\n");
  TestServer::Options options = certs.MutualTlsServer(kOffice, config, "admin");
  options.extra_flags.insert(options.extra_flags.end(), extra_flags.begin(),
                             extra_flags.end());
  return TestServer::Start(options);
}

// One office under mutual TLS: certificates for kOffice and its clients, a
// roles config, and archived.
class TlsRoles : public ::testing::Test {
 protected:
  static constexpr const char* kClients[] = {"archivist-alice", "reader-bob",
                                             "peer-x", "admin", "nobody"};

  void SetUp() override {
    certs_.dir = dir_.path() + "/certs";
    ASSERT_NO_FATAL_FAILURE(MakeCerts(
        certs_.dir, kOffice,
        std::vector<std::string>(std::begin(kClients), std::end(kClients))));
    server_ = StartWithRoles(certs_, dir_.path());
    ASSERT_TRUE(server_->running());
    ASSERT_TRUE(absl::StartsWith(server_->address(), "localhost:"));
    cli_ = std::make_unique<Cli>(server_->address());
    text_path_ = dir_.path() + "/doc.txt";
    WriteFileOrDie(text_path_, kTlsRolesText);
  }

  // archivectl as `who` (a client certificate name; "" for none).
  ProcessResult Ctl(const std::string& who,
                    const std::vector<std::string>& args) const {
    std::vector<std::string> argv = certs_.CtlFlags(who);
    argv.insert(argv.end(), args.begin(), args.end());
    return cli_->Run(argv);
  }

  // The C++ client library as `who`.
  ArchiveClient Client(const std::string& who) const {
    return Client(certs_.Tls(who));
  }
  ArchiveClient Client(const TlsFiles& tls) const {
    auto channel = ArchiveClient::Dial(server_->address(), tls);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return ArchiveClient(channel.ok() ? *channel : ArchiveClient::Dial("x:1"));
  }

  // Puts kTlsRolesText (plus `suffix`) as kTlsRolesDoc through archivectl as
  // `who`; returns the revision id.
  std::string PutAs(const std::string& who, const std::string& suffix = "") {
    std::string path = text_path_;
    if (!suffix.empty()) {
      path = absl::StrCat(dir_.path(), "/doc-", suffix, ".txt");
      WriteFileOrDie(path, kTlsRolesText + suffix);
    }
    ProcessResult r =
        Ctl(who, {"put", path, "--id", kTlsRolesDoc, "--title", "档案"});
    EXPECT_EQ(r.exit_code, 0) << "put as " << who << ": " << Describe(r);
    return std::string(absl::StripAsciiWhitespace(r.out));
  }

  uint64_t TreeSize() const {
    auto cp = Client("admin").GetCheckpoint();
    EXPECT_TRUE(cp.ok()) << cp.status();
    return cp.ok() ? cp->tree_size() : 0;
  }

  Json History(const std::string& who, const std::string& doc) const {
    ProcessResult r = Ctl(who, {"history", doc, "--json"});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    Json j = Json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }

  // archivectl exits 6 (not permitted) with "IDENTITY lacks role ROLE for
  // METHOD".
  void ExpectCtlDenied(const ProcessResult& r, const std::string& identity,
                       const std::string& role, const std::string& method) {
    EXPECT_EQ(r.exit_code, 6) << Describe(r);
    EXPECT_TRUE(absl::StrContains(
        r.err, absl::StrCat(identity, " lacks role ", role, " for ", method)))
        << "expected the identity " << identity << " and the missing role "
        << role << " named: " << Describe(r);
  }

  TempDir dir_;
  OfficeCerts certs_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Cli> cli_;
  std::string text_path_;
};

void ExpectDenied(const absl::Status& s, const std::string& identity,
                  const std::string& role, const std::string& method) {
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_TRUE(absl::StrContains(
      s.message(),
      absl::StrCat(identity, " lacks role ", role, " for ", method)))
      << s;
}

template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

absl::Status GetTo(ArchiveClient& client, const std::string& doc,
                   std::string* out) {
  v1::GetRequest request;
  request.set_document_id(doc);
  return client
      .Get(request,
           [out](absl::string_view chunk) {
             out->append(chunk.data(), chunk.size());
             return absl::OkStatus();
           })
      .status();
}

absl::Status HistoryOf(ArchiveClient& client, const std::string& doc) {
  v1::HistoryRequest request;
  request.set_document_id(doc);
  return client.History(request).status();
}

absl::Status ReadWholeLog(ArchiveClient& client, uint64_t size,
                          std::vector<v1::ReadLogResponse>* entries) {
  return client.ReadLog(0, size, [entries](const v1::ReadLogResponse& e) {
    entries->push_back(e);
    return absl::OkStatus();
  });
}

absl::Status GetBlob(ArchiveClient& client, const std::string& sha256,
                     std::string* out) {
  return client.GetBlob(sha256, [out](absl::string_view chunk) {
    out->append(chunk.data(), chunk.size());
    return absl::OkStatus();
  });
}

TEST_F(TlsRoles, ArchivistPutsAndGetsAsItself) {
  std::string rev = PutAs("archivist-alice");
  ASSERT_EQ(rev.size(), 64u) << rev;

  std::string out = dir_.path() + "/got.txt";
  ProcessResult get = Ctl("archivist-alice", {"get", kTlsRolesDoc, "-o", out});
  ASSERT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(ReadFileOrDie(out), kTlsRolesText);

  // The certificate's identity is the submitter, in the history and in the
  // signed statement.
  Json history = History("archivist-alice", kTlsRolesDoc);
  ASSERT_EQ(history["revisions"].size(), 1u) << history.dump();
  EXPECT_EQ(history["revisions"][0]["submitted_by"], "archivist-alice");
  ProcessResult st = Ctl("archivist-alice", {"statement", rev});
  ASSERT_EQ(st.exit_code, 0) << Describe(st);
  EXPECT_TRUE(absl::StrContains(st.out, "\nsubmitted-by archivist-alice\n"))
      << st.out;

  // Through the library as well.
  ArchiveClient alice = Client("archivist-alice");
  std::string v2 = std::string(kTlsRolesText) + "第二条\n";
  auto put = alice.PutBytes(v2, HeaderFor(kTlsRolesDoc, v2));
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->revision().submitted_by(), "archivist-alice");
  std::string got;
  ASSERT_TRUE(GetTo(alice, kTlsRolesDoc, &got).ok());
  EXPECT_EQ(got, v2);

  // Every write is audited with identity, method, document and status.
  EXPECT_EQ(AuditLines(server_->log(), "Put", "archivist-alice", "OK"), 2)
      << server_->log();
  EXPECT_TRUE(absl::StrContains(
      server_->log(),
      absl::StrCat("Put id=archivist-alice doc=", kTlsRolesDoc, " status=OK")))
      << server_->log();
}

TEST_F(TlsRoles, ReaderGetsHistoryListCheckpointAndProofs) {
  std::string rev1 = PutAs("archivist-alice");
  ASSERT_EQ(PutAs("archivist-alice", "v2").size(), 64u);
  ASSERT_EQ(TreeSize(), 2u);

  std::string out = dir_.path() + "/got.txt";
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"get", kTlsRolesDoc, "-o", out},
           {"get", kTlsRolesDoc, "--rev", rev1, "-o", out + ".1"},
           {"history", kTlsRolesDoc},
           {"ls"},
           {"checkpoint"},
           {"statement", rev1},
           {"proof", "inclusion", rev1},
           {"proof", "consistency", "1", "2"},
           {"verify", text_path_, "--id", kTlsRolesDoc, "--rev", rev1},
       }) {
    ProcessResult r = Ctl("reader-bob", args);
    EXPECT_EQ(r.exit_code, 0)
        << "reader-bob: archivectl " << absl::StrJoin(args, " ") << ": "
        << Describe(r);
  }
  EXPECT_EQ(ReadFileOrDie(out), std::string(kTlsRolesText) + "v2");
  EXPECT_EQ(ReadFileOrDie(out + ".1"), kTlsRolesText);

  // But no writing, no log entries or blobs, no admin work.
  ExpectCtlDenied(Ctl("reader-bob", {"put", text_path_, "--id", "bob-doc"}),
                  "reader-bob", "archivist", "Put");
  ExpectCtlDenied(Ctl("reader-bob", {"scrub"}), "reader-bob", "admin", "Scrub");
  ArchiveClient bob = Client("reader-bob");
  std::vector<v1::ReadLogResponse> entries;
  ExpectDenied(ReadWholeLog(bob, 2, &entries), "reader-bob", "peer", "ReadLog");
  EXPECT_TRUE(entries.empty());
  std::string blob;
  ExpectDenied(GetBlob(bob, Sha256::HexDigest(kTlsRolesText), &blob),
               "reader-bob", "peer", "GetBlob");
  EXPECT_TRUE(blob.empty());
  EXPECT_EQ(TreeSize(), 2u);
}

TEST_F(TlsRoles, AdminMayDoEverything) {
  std::string rev = PutAs("admin");
  ASSERT_EQ(rev.size(), 64u);
  Json history = History("admin", kTlsRolesDoc);
  EXPECT_EQ(history["revisions"][0]["submitted_by"], "admin");
  std::string out = dir_.path() + "/got.txt";
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"get", kTlsRolesDoc, "-o", out},
           {"ls"},
           {"checkpoint"},
           {"statement", rev},
           {"proof", "inclusion", rev},
           {"scrub"},
           {"scrub", "--repair"},
       }) {
    ProcessResult r = Ctl("admin", args);
    EXPECT_EQ(r.exit_code, 0)
        << "admin: archivectl " << absl::StrJoin(args, " ") << ": "
        << Describe(r);
  }
  EXPECT_EQ(ReadFileOrDie(out), kTlsRolesText);

  ArchiveClient admin = Client("admin");
  std::vector<v1::ReadLogResponse> entries;
  ASSERT_TRUE(ReadWholeLog(admin, 1, &entries).ok());
  ASSERT_EQ(entries.size(), 1u);
  std::string blob;
  ASSERT_TRUE(GetBlob(admin, Sha256::HexDigest(kTlsRolesText), &blob).ok());
  EXPECT_EQ(blob, kTlsRolesText);

  // Sync is allowed: it fails only because nothing listens at the peer.
  ProcessResult sync = Ctl("admin", {"sync", "127.0.0.1:1"});
  EXPECT_EQ(sync.exit_code, 5) << Describe(sync);
  EXPECT_FALSE(absl::StrContains(sync.err, "lacks role")) << Describe(sync);
  auto direct = admin.Sync("127.0.0.1:1");
  EXPECT_EQ(direct.status().code(), absl::StatusCode::kUnavailable)
      << direct.status();
  EXPECT_EQ(AuditLines(server_->log(), "Scrub", "admin", "OK"), 2)
      << server_->log();
}

TEST_F(TlsRoles, PeerReadsLogAndBlobsButCannotWrite) {
  std::string rev = PutAs("archivist-alice");
  ArchiveClient peer = Client("peer-x");

  std::vector<v1::ReadLogResponse> entries;
  absl::Status s = ReadWholeLog(peer, 1, &entries);
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].index(), 0u);
  EXPECT_TRUE(absl::StrContains(entries[0].signed_statement(),
                                "\nsubmitted-by archivist-alice\n"))
      << entries[0].signed_statement();
  std::string blob;
  s = GetBlob(peer, Sha256::HexDigest(kTlsRolesText), &blob);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(blob, kTlsRolesText);
  // A peer reads like a reader.
  std::string got;
  ASSERT_TRUE(GetTo(peer, kTlsRolesDoc, &got).ok());
  EXPECT_EQ(got, kTlsRolesText);

  ExpectCtlDenied(Ctl("peer-x", {"put", text_path_, "--id", "peer-doc"}),
                  "peer-x", "archivist", "Put");
  std::string other = "from a peer\n";
  ExpectDenied(StatusOf(peer.PutBytes(other, HeaderFor("peer-doc", other))),
               "peer-x", "archivist", "Put");
  ExpectDenied(StatusOf(peer.Sync("127.0.0.1:1")), "peer-x", "admin", "Sync");

  // And an archivist is no peer.
  ArchiveClient alice = Client("archivist-alice");
  blob.clear();
  ExpectDenied(GetBlob(alice, Sha256::HexDigest(kTlsRolesText), &blob),
               "archivist-alice", "peer", "GetBlob");
  EXPECT_TRUE(blob.empty());
  entries.clear();
  ExpectDenied(ReadWholeLog(alice, 1, &entries), "archivist-alice", "peer",
               "ReadLog");
  EXPECT_EQ(TreeSize(), 1u);
  EXPECT_EQ(rev.size(), 64u);
}

// Each forbidden combination: archivectl names identity and role, the library
// sees PERMISSION_DENIED, nothing is stored, and the server log has an audit
// line with identity, method, document (where the request names one) and
// status.
TEST_F(TlsRoles, ForbiddenCombinationsAreRefusedAndAudited) {
  PutAs("archivist-alice");
  ASSERT_EQ(TreeSize(), 1u);

  struct Case {
    std::string who;
    std::vector<std::string> args;
    std::string role, method;
  };
  const std::vector<Case> cases = {
      {"reader-bob",
       {"put", text_path_, "--id", "bob-doc"},
       "archivist",
       "Put"},
      {"reader-bob",
       {"put", text_path_, "--id", kTlsRolesDoc},
       "archivist",
       "Put"},
      {"archivist-alice", {"scrub"}, "admin", "Scrub"},
      {"archivist-alice", {"scrub", "--repair"}, "admin", "Scrub"},
      {"archivist-alice", {"sync", "127.0.0.1:1"}, "admin", "Sync"},
      {"reader-bob", {"sync", "127.0.0.1:1"}, "admin", "Sync"},
      {"nobody", {"get", kTlsRolesDoc}, "reader", "Get"},
      {"nobody", {"history", kTlsRolesDoc}, "reader", "History"},
      {"nobody", {"ls"}, "reader", "List"},
      {"nobody", {"checkpoint"}, "reader", "GetCheckpoint"},
      {"nobody", {"put", text_path_, "--id", "nobody-doc"}, "archivist", "Put"},
      {"peer-x", {"put", text_path_, "--id", "peer-doc"}, "archivist", "Put"},
      {"peer-x", {"scrub"}, "admin", "Scrub"},
  };
  std::map<std::pair<std::string, std::string>, int> expected_audit;
  for (const Case& c : cases) {
    SCOPED_TRACE(
        absl::StrCat(c.who, ": archivectl ", absl::StrJoin(c.args, " ")));
    ExpectCtlDenied(Ctl(c.who, c.args), c.who, c.role, c.method);
    ++expected_audit[{c.method, c.who}];
  }

  // The same through the library, for the status code.
  std::string content = "not allowed\n";
  {
    ArchiveClient bob = Client("reader-bob");
    ExpectDenied(StatusOf(bob.PutBytes(content, HeaderFor("bob-doc", content))),
                 "reader-bob", "archivist", "Put");
    ++expected_audit[{"Put", "reader-bob"}];
    ArchiveClient alice = Client("archivist-alice");
    ExpectDenied(StatusOf(alice.Scrub(v1::ScrubRequest())), "archivist-alice",
                 "admin", "Scrub");
    ExpectDenied(StatusOf(alice.Sync("127.0.0.1:1")), "archivist-alice",
                 "admin", "Sync");
    expected_audit[{"Scrub", "archivist-alice"}] += 1;
    expected_audit[{"Sync", "archivist-alice"}] += 1;
    ArchiveClient nobody = Client("nobody");
    std::string got;
    ExpectDenied(GetTo(nobody, kTlsRolesDoc, &got), "nobody", "reader", "Get");
    EXPECT_TRUE(got.empty());
    ExpectDenied(HistoryOf(nobody, kTlsRolesDoc), "nobody", "reader",
                 "History");
    ExpectDenied(StatusOf(nobody.GetCheckpoint()), "nobody", "reader",
                 "GetCheckpoint");
    ExpectDenied(StatusOf(nobody.GetInclusionProof(std::string(64, 'a'), 0)),
                 "nobody", "reader", "GetInclusionProof");
    ExpectDenied(StatusOf(nobody.GetConsistencyProof(0, 1)), "nobody", "reader",
                 "GetConsistencyProof");
    ExpectDenied(StatusOf(nobody.GetStatement(std::string(64, 'a'))), "nobody",
                 "reader", "GetStatement");
    ExpectDenied(StatusOf(nobody.List(v1::ListRequest())), "nobody", "reader",
                 "List");
    expected_audit[{"Get", "nobody"}] += 1;
    expected_audit[{"History", "nobody"}] += 1;
    expected_audit[{"GetCheckpoint", "nobody"}] += 1;
    expected_audit[{"GetInclusionProof", "nobody"}] += 1;
    expected_audit[{"GetConsistencyProof", "nobody"}] += 1;
    expected_audit[{"GetStatement", "nobody"}] += 1;
    expected_audit[{"List", "nobody"}] += 1;
    ArchiveClient peer = Client("peer-x");
    ExpectDenied(
        StatusOf(peer.PutBytes(content, HeaderFor("peer-doc", content))),
        "peer-x", "archivist", "Put");
    ++expected_audit[{"Put", "peer-x"}];
  }

  // Nothing was stored.
  EXPECT_EQ(TreeSize(), 1u);
  Json history = History("admin", kTlsRolesDoc);
  EXPECT_EQ(history["revisions"].size(), 1u) << history.dump();
  ProcessResult ls = Ctl("admin", {"ls", "--json"});
  ASSERT_EQ(ls.exit_code, 0) << Describe(ls);
  Json docs = Json::parse(ls.out, nullptr, false);
  ASSERT_TRUE(docs.is_array()) << ls.out;
  EXPECT_EQ(docs.size(), 1u) << ls.out;

  // One audit line per refused request.
  std::string log = server_->log();
  for (const auto& [key, count] : expected_audit) {
    const auto& [method, who] = key;
    EXPECT_EQ(AuditLines(log, method, who, "PERMISSION_DENIED"), count)
        << method << " by " << who << "; server log:\n"
        << log;
  }
  // The refused Get and History name the document they asked for.
  EXPECT_TRUE(
      absl::StrContains(log, absl::StrCat(" Get id=nobody doc=", kTlsRolesDoc,
                                          " status=PERMISSION_DENIED")))
      << log;
  EXPECT_TRUE(absl::StrContains(
      log, absl::StrCat(" History id=nobody doc=", kTlsRolesDoc,
                        " status=PERMISSION_DENIED")))
      << log;
  // The error is in the audit line too.
  EXPECT_TRUE(
      absl::StrContains(log, "error=\"reader-bob lacks role archivist for Put"))
      << log;
}

// ImportRevision (archivectl import --bagit) hands in revisions signed
// elsewhere: peers and admins may, archivists and readers may not.
TEST_F(TlsRoles, ImportRevisionNeedsPeerOrAdmin) {
  std::string revision = PutAs("archivist-alice");
  auto statement = Client("admin").GetStatement(revision);
  ASSERT_TRUE(statement.ok()) << statement.status();
  for (const char* who : {"archivist-alice", "reader-bob"}) {
    ArchiveClient client = Client(who);
    ExpectDenied(StatusOf(client.ImportRevision(statement->signed_statement(),
                                                "", /*check_only=*/true)),
                 who, "peer", "ImportRevision");
  }
  for (const char* who : {"peer-x", "admin"}) {
    ArchiveClient client = Client(who);
    auto reply = client.ImportRevision(statement->signed_statement(), "",
                                       /*check_only=*/true);
    ASSERT_TRUE(reply.ok()) << who << ": " << reply.status();
    EXPECT_TRUE(reply->already_present()) << who;
  }
}

TEST_F(TlsRoles, NobodyCanClaimAnotherName) {
  for (const char* who : {"archivist-alice", "admin"}) {
    ProcessResult r =
        Ctl(who, {"put", text_path_, "--id", kTlsRolesDoc, "--as", "mallory"});
    EXPECT_EQ(r.exit_code, 1) << Describe(r);
    EXPECT_TRUE(absl::StrContains(r.err, "as_name")) << Describe(r);
    EXPECT_TRUE(absl::StrContains(r.err, who)) << Describe(r);

    v1::PutHeader header = HeaderFor(kTlsRolesDoc, kTlsRolesText);
    header.set_as_name("mallory");
    auto put = Client(who).PutBytes(kTlsRolesText, header);
    EXPECT_EQ(put.status().code(), absl::StatusCode::kInvalidArgument)
        << put.status();
    EXPECT_TRUE(absl::StrContains(put.status().message(), "as_name"))
        << put.status();
    EXPECT_EQ(AuditLines(server_->log(), "Put", who, "INVALID_ARGUMENT"), 2)
        << server_->log();
  }
  EXPECT_EQ(TreeSize(), 0u);
}

TEST_F(TlsRoles, ForeignOrMissingClientCertificateFailsTheHandshake) {
  OfficeCerts other{dir_.path() + "/other"};
  // Same client name, another office's CA.
  ASSERT_NO_FATAL_FAILURE(
      MakeCerts(other.dir, "other.archive.test", {"archivist-alice"}));

  const std::vector<std::pair<std::string, TlsFiles>> clients = {
      {"another CA's certificate",
       TlsFiles{certs_.ca(), other.cert("archivist-alice"),
                other.key("archivist-alice")}},
      {"no client certificate", certs_.Tls("")},
  };
  std::string content = "sneaked in\n";
  for (const auto& [what, tls] : clients) {
    SCOPED_TRACE(what);
    auto start = std::chrono::steady_clock::now();
    ArchiveClient client = Client(tls);
    auto cp = client.GetCheckpoint();
    EXPECT_EQ(cp.status().code(), absl::StatusCode::kUnavailable)
        << cp.status();
    auto put = client.PutBytes(content, HeaderFor("sneaky", content));
    EXPECT_EQ(put.status().code(), absl::StatusCode::kUnavailable)
        << put.status();
    std::string got;
    EXPECT_EQ(GetTo(client, kTlsRolesDoc, &got).code(),
              absl::StatusCode::kUnavailable);
    EXPECT_LT(std::chrono::steady_clock::now() - start,
              std::chrono::seconds(20));

    std::vector<std::string> argv = {"--tls_ca", tls.ca};
    if (!tls.cert.empty()) {
      argv.insert(argv.end(), {"--tls_cert", tls.cert, "--tls_key", tls.key});
    }
    argv.insert(argv.end(), {"put", text_path_, "--id", "sneaky"});
    ProcessResult r = cli_->Run(argv);
    EXPECT_EQ(r.exit_code, 6) << Describe(r);
    EXPECT_TRUE(absl::StrContains(r.err, "unavailable")) << Describe(r);
  }
  // No request got as far as the service.
  EXPECT_EQ(AuditLines(server_->log(), "Put", "archivist-alice", "OK"), 0);
  EXPECT_FALSE(absl::StrContains(server_->log(), "id=anonymous"))
      << server_->log();

  // The server keeps serving the right certificates.
  ASSERT_TRUE(server_->running());
  PutAs("archivist-alice");
  EXPECT_EQ(TreeSize(), 1u);
}

TEST_F(TlsRoles, PlaintextClientFailsCleanlyAndServerKeepsServing) {
  PutAs("archivist-alice");
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    ArchiveClient plain(ArchiveClient::Dial(server_->address()));
    auto cp = plain.GetCheckpoint();
    EXPECT_EQ(cp.status().code(), absl::StatusCode::kUnavailable)
        << cp.status();
    std::string got;
    absl::Status s = GetTo(plain, kTlsRolesDoc, &got);
    EXPECT_FALSE(s.ok());
    EXPECT_TRUE(got.empty());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));

  ProcessResult r = cli_->Run({"checkpoint"});
  EXPECT_EQ(r.exit_code, 5) << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "unavailable")) << Describe(r);

  // A good TLS call still works, writes included.
  ASSERT_TRUE(server_->running());
  PutAs("archivist-alice", "after");
  std::string got;
  ArchiveClient bob = Client("reader-bob");
  ASSERT_TRUE(GetTo(bob, kTlsRolesDoc, &got).ok());
  EXPECT_EQ(got, std::string(kTlsRolesText) + "after");
  EXPECT_EQ(TreeSize(), 2u);
}

TEST(TlsListen, PlaintextOnNonLoopbackAddressIsRefused) {
  TempDir dir;
  for (const char* host : {"0.0.0.0", "[::]"}) {
    std::string listen = absl::StrCat(host, ":", FreePort());
    std::string data = dir.path() + "/data";
    ProcessResult r = RunProcess(
        {"/usr/bin/timeout", "20", ArchivedPath(), "--data_dir=" + data,
         "--origin=" + std::string(kOffice), "--listen=" + listen});
    EXPECT_NE(r.exit_code, 0) << Describe(r);
    EXPECT_NE(r.exit_code, 124) << "archived served plaintext on " << listen;
    EXPECT_TRUE(absl::StrContains(r.err, "refusing to listen on " + listen))
        << Describe(r);
    EXPECT_TRUE(absl::StrContains(r.err, "without TLS")) << Describe(r);
    EXPECT_TRUE(absl::StrContains(r.err, "--tls_cert")) << Describe(r);
    EXPECT_FALSE(fs::exists(data)) << "nothing should be created";
  }
}

TEST(TlsListen, TlsOnAnyAddressIsAccepted) {
  TempDir dir;
  OfficeCerts certs{dir.path() + "/certs"};
  ASSERT_NO_FATAL_FAILURE(MakeCerts(certs.dir, kOffice, {"admin"}));
  std::string config = dir.path() + "/archived.textproto";
  WriteFileOrDie(config, "roles { identity: \"admin\" roles: \"admin\" }\n");
  TestServer::Options options = certs.MutualTlsServer(kOffice, config, "admin");
  options.listen_host = "0.0.0.0";
  auto server = TestServer::Start(options);
  ASSERT_TRUE(server->running());
  EXPECT_TRUE(absl::StrContains(server->log(),
                                absl::StrCat("on 0.0.0.0:", server->port())))
      << server->log();

  auto channel = ArchiveClient::Dial(server->address(), certs.Tls("admin"));
  ASSERT_TRUE(channel.ok());
  ArchiveClient admin(*channel);
  std::string content = "served on every address\n";
  auto put = admin.PutBytes(content, HeaderFor(kTlsRolesDoc, content));
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ(put->revision().submitted_by(), "admin");
}

// TLS without --tls_client_ca: nobody is authenticated, so callers are
// "anonymous" with the reader role only.
TEST(TlsAnonymous, WithoutClientCaCallersAreAnonymousReaders) {
  TempDir dir;
  OfficeCerts certs{dir.path() + "/certs"};
  ASSERT_NO_FATAL_FAILURE(MakeCerts(certs.dir, kOffice, {"archivist-alice"}));
  std::string data = dir.path() + "/data";
  std::string doc_path = dir.path() + "/doc.txt";
  WriteFileOrDie(doc_path, kTlsRolesText);

  // Some content first, over plaintext loopback.
  {
    TestServer::Options options;
    options.origin = kOffice;
    options.data_dir = data;
    auto local = TestServer::Start(options);
    ASSERT_TRUE(local->running());
    Cli cli(local->address());
    ProcessResult r = cli.Run({"put", doc_path, "--id", kTlsRolesDoc});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
    ASSERT_EQ(local->Stop(), 0);
  }

  TestServer::Options options;
  options.origin = kOffice;
  options.data_dir = data;
  options.extra_flags = {"--tls_cert=" + certs.server_cert(),
                         "--tls_key=" + certs.server_key()};
  options.tls_ca = certs.ca();
  auto server = TestServer::Start(options);
  ASSERT_TRUE(server->running());
  Cli cli(server->address());
  const std::vector<std::string> tls = {"--tls_ca", certs.ca()};
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), tls.begin(), tls.end());
    return cli.Run(args);
  };

  std::string out = dir.path() + "/got.txt";
  ProcessResult get = ctl({"get", kTlsRolesDoc, "-o", out});
  ASSERT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(ReadFileOrDie(out), kTlsRolesText);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"history", kTlsRolesDoc}, {"ls"}, {"checkpoint"}}) {
    ProcessResult r = ctl(args);
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
  }

  ProcessResult put = ctl({"put", doc_path, "--id", "anon-doc"});
  EXPECT_EQ(put.exit_code, 6) << Describe(put);
  EXPECT_TRUE(
      absl::StrContains(put.err, "anonymous lacks role archivist for Put"))
      << Describe(put);
  // A client certificate the server never asked for changes nothing.
  ProcessResult with_cert =
      ctl({"--tls_cert", certs.cert("archivist-alice"), "--tls_key",
           certs.key("archivist-alice"), "put", doc_path, "--id", "anon-doc"});
  EXPECT_EQ(with_cert.exit_code, 6) << Describe(with_cert);
  EXPECT_TRUE(absl::StrContains(with_cert.err, "anonymous lacks role"))
      << Describe(with_cert);
  ProcessResult scrub = ctl({"scrub"});
  EXPECT_TRUE(absl::StrContains(scrub.err, "anonymous lacks role admin"))
      << Describe(scrub);

  auto channel = ArchiveClient::Dial(server->address(), certs.Tls(""));
  ASSERT_TRUE(channel.ok());
  ArchiveClient anonymous(*channel);
  std::string content = "anonymous write\n";
  ExpectDenied(
      StatusOf(anonymous.PutBytes(content, HeaderFor("anon-doc", content))),
      "anonymous", "archivist", "Put");
  std::vector<v1::ReadLogResponse> entries;
  ExpectDenied(ReadWholeLog(anonymous, 1, &entries), "anonymous", "peer",
               "ReadLog");
  auto cp = anonymous.GetCheckpoint();
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_EQ(cp->tree_size(), 1u);
  EXPECT_EQ(AuditLines(server->log(), "Put", "anonymous", "PERMISSION_DENIED"),
            3)
      << server->log();
}

// Two offices, each with its own CA. A's CA issues B a client certificate
// ("peer-b") which A binds to the peer role; B's config names it for A.
class TlsSync : public ::testing::Test {
 protected:
  void StartOffices(const std::string& peer_b_roles) {
    a_certs_.dir = dir_.path() + "/a-certs";
    b_certs_.dir = dir_.path() + "/b-certs";
    ASSERT_NO_FATAL_FAILURE(MakeCerts(a_certs_.dir, "a.archive.test",
                                      {"archivist-alice", "admin", "peer-b"}));
    ASSERT_NO_FATAL_FAILURE(
        MakeCerts(b_certs_.dir, "b.archive.test", {"admin"}));

    std::string a_config = dir_.path() + "/a.textproto";
    WriteFileOrDie(
        a_config,
        absl::StrCat("roles { identity: \"archivist-alice\" roles: "
                     "\"archivist\" }\n"
                     "roles { identity: \"admin\" roles: \"admin\" }\n",
                     "roles { identity: \"peer-b\" ", peer_b_roles, " }\n"));
    TestServer::Options a;
    a.origin = "a.archive.test";
    a.extra_flags = a_certs_.ServerFlags();
    a.extra_flags.push_back("--config=" + a_config);
    a.tls_ca = a_certs_.ca();
    a.tls_cert = a_certs_.cert("admin");
    a.tls_key = a_certs_.key("admin");
    a_ = TestServer::Start(a);
    ASSERT_TRUE(a_->running());

    std::string b_config = dir_.path() + "/b.textproto";
    WriteFileOrDie(
        b_config,
        absl::StrCat(
            "peers {\n  name: \"a.archive.test\"\n  address: \"", a_->address(),
            "\"\n  verifier_key: \"", ReadVerifierKey(a_->data_dir()),
            "\"\n  tls_ca_file: \"", a_certs_.ca(), "\"\n  tls_cert_file: \"",
            a_certs_.cert("peer-b"), "\"\n  tls_key_file: \"",
            a_certs_.key("peer-b"),
            "\"\n}\nroles { identity: \"admin\" roles: \"admin\" }\n"));
    TestServer::Options b;
    b.origin = "b.archive.test";
    b.extra_flags = b_certs_.ServerFlags();
    b.extra_flags.push_back("--config=" + b_config);
    b.tls_ca = b_certs_.ca();
    b.tls_cert = b_certs_.cert("admin");
    b.tls_key = b_certs_.key("admin");
    b_ = TestServer::Start(b);
    ASSERT_TRUE(b_->running());
    a_cli_ = std::make_unique<Cli>(a_->address());
    b_cli_ = std::make_unique<Cli>(b_->address());
  }

  ProcessResult CtlA(const std::string& who, std::vector<std::string> args) {
    std::vector<std::string> flags = a_certs_.CtlFlags(who);
    args.insert(args.begin(), flags.begin(), flags.end());
    return a_cli_->Run(args);
  }
  // archivectl as B's admin, trusting both offices' keys (B serves A's
  // statements after the pull).
  ProcessResult CtlB(std::vector<std::string> args) {
    std::string trust = dir_.path() + "/b-client-trust";
    WriteFileOrDie(trust, absl::StrCat(ReadVerifierKey(a_->data_dir()), "\n",
                                       ReadVerifierKey(b_->data_dir()), "\n"));
    std::vector<std::string> flags = b_certs_.CtlFlags("admin");
    flags.insert(flags.end(), {"--trust", trust});
    args.insert(args.begin(), flags.begin(), flags.end());
    return b_cli_->Run(args);
  }

  // Puts three documents into A as archivist-alice; returns id -> content.
  std::map<std::string, std::string> PutIntoA() {
    std::map<std::string, std::string> docs;
    for (int i = 1; i <= 3; ++i) {
      std::string id = absl::StrCat("a-doc-", i);
      std::string content = absl::StrCat(kTlsRolesText, "第", i, "号\n");
      std::string path = absl::StrCat(dir_.path(), "/", id, ".txt");
      WriteFileOrDie(path, content);
      ProcessResult r = CtlA("archivist-alice", {"put", path, "--id", id});
      EXPECT_EQ(r.exit_code, 0) << Describe(r);
      docs[id] = content;
    }
    return docs;
  }

  TempDir dir_;
  OfficeCerts a_certs_, b_certs_;
  std::unique_ptr<TestServer> a_, b_;
  std::unique_ptr<Cli> a_cli_, b_cli_;
};

TEST_F(TlsSync, PeerPullsOverMutualTls) {
  ASSERT_NO_FATAL_FAILURE(StartOffices("roles: \"peer\""));
  std::map<std::string, std::string> docs = PutIntoA();

  ProcessResult sync = CtlB({"sync", a_->address(), "--json"});
  ASSERT_EQ(sync.exit_code, 0) << Describe(sync) << "\nA's log:\n"
                               << a_->log() << "\nB's log:\n"
                               << b_->log();
  Json report = Json::parse(sync.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << sync.out;
  EXPECT_EQ(report["peer_origin"], "a.archive.test");
  EXPECT_EQ(report["imported"], 3);
  EXPECT_EQ(report["blobs_fetched"], 3);

  for (const auto& [id, content] : docs) {
    std::string out = absl::StrCat(dir_.path(), "/b-", id, ".txt");
    ProcessResult get = CtlB({"get", id, "-o", out});
    ASSERT_EQ(get.exit_code, 0) << Describe(get);
    EXPECT_EQ(ReadFileOrDie(out), content);
    ProcessResult history = CtlB({"history", id, "--json"});
    ASSERT_EQ(history.exit_code, 0) << Describe(history);
    Json h = Json::parse(history.out, nullptr, false);
    ASSERT_FALSE(h.is_discarded());
    EXPECT_EQ(h["revisions"][0]["submitted_by"], "archivist-alice");
    EXPECT_EQ(h["revisions"][0]["origin"], "a.archive.test");
  }
  // A saw B as peer-b.
  EXPECT_GE(AuditLines(a_->log(), "ReadLog", "peer-b", "OK"), 1) << a_->log();
  // The three small contents came inside the log entries (no GetBlob).
  EXPECT_EQ(AuditLines(a_->log(), "GetBlob", "peer-b", "OK"), 0) << a_->log();

  // A second pull finds nothing new.
  ProcessResult again = CtlB({"sync", a_->address(), "--json"});
  ASSERT_EQ(again.exit_code, 0) << Describe(again);
  EXPECT_EQ(Json::parse(again.out, nullptr, false)["imported"], 0);
}

TEST_F(TlsSync, PeerWithoutThePeerRoleIsRefused) {
  // peer-b may read, but is no peer.
  ASSERT_NO_FATAL_FAILURE(StartOffices("roles: \"reader\""));
  PutIntoA();

  ProcessResult sync = CtlB({"sync", a_->address()});
  EXPECT_EQ(sync.exit_code, 6) << Describe(sync);
  EXPECT_TRUE(absl::StrContains(sync.err, "peer-b lacks role peer for ReadLog"))
      << Describe(sync);
  EXPECT_EQ(AuditLines(a_->log(), "ReadLog", "peer-b", "PERMISSION_DENIED"), 1)
      << a_->log();
  EXPECT_EQ(AuditLines(a_->log(), "GetBlob", "peer-b", "OK"), 0) << a_->log();

  // B imported nothing.
  ProcessResult ls = CtlB({"ls", "--json"});
  ASSERT_EQ(ls.exit_code, 0) << Describe(ls);
  EXPECT_EQ(Json::parse(ls.out, nullptr, false).size(), 0u) << ls.out;
  auto channel = ArchiveClient::Dial(b_->address(), b_certs_.Tls("admin"));
  ASSERT_TRUE(channel.ok());
  auto cp = ArchiveClient(*channel).GetCheckpoint();
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_EQ(cp->tree_size(), 0u);
}

// --max_streams_per_client under mutual TLS counts per certificate identity:
// two clients on the same machine (one address) each have their own limit,
// and the refusal names the identity and is audited.
TEST(TlsStreamLimits, EachIdentityHasItsOwnStreamLimit) {
  TempDir dir;
  OfficeCerts certs{dir.path() + "/certs"};
  ASSERT_NO_FATAL_FAILURE(MakeCerts(
      certs.dir, kOffice, {"archivist-alice", "reader-bob", "admin"}));
  auto server =
      StartWithRoles(certs, dir.path(), {"--max_streams_per_client=1"});
  ASSERT_TRUE(server->running());

  // Alice holds a put open.
  auto alice_channel =
      ArchiveClient::Dial(server->address(), certs.Tls("archivist-alice"));
  ASSERT_TRUE(alice_channel.ok()) << alice_channel.status();
  auto stub = v1::Archive::NewStub(*alice_channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::PutResponse response;
  auto writer = stub->Put(&ctx, &response);
  v1::PutRequest request;
  *request.mutable_header() = HeaderFor(kTlsRolesDoc, kTlsRolesText);
  ASSERT_TRUE(writer->Write(request));

  // Once the server counts it, Alice's next stream is refused...
  ArchiveClient alice(*alice_channel);
  std::string got;
  absl::Status refused;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    refused = GetTo(alice, kTlsRolesDoc, &got);
  } while (!absl::IsResourceExhausted(refused) &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  for (const char* word : {"archivist-alice", "--max_streams_per_client=1"}) {
    EXPECT_TRUE(absl::StrContains(refused.message(), word))
        << "should mention " << word << ": " << refused;
  }
  // ... while Bob, from the same address, is admitted (the document does not
  // exist yet).
  auto bob_channel =
      ArchiveClient::Dial(server->address(), certs.Tls("reader-bob"));
  ASSERT_TRUE(bob_channel.ok()) << bob_channel.status();
  ArchiveClient bob(*bob_channel);
  EXPECT_EQ(GetTo(bob, kTlsRolesDoc, &got).code(), absl::StatusCode::kNotFound);
  EXPECT_GE(
      AuditLines(server->log(), "Get", "archivist-alice", "RESOURCE_EXHAUSTED"),
      1)
      << server->log();

  request.set_chunk(kTlsRolesText);
  ASSERT_TRUE(writer->Write(request));
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(GetTo(alice, kTlsRolesDoc, &got).ok());
  EXPECT_EQ(got, kTlsRolesText);
  got.clear();
  ASSERT_TRUE(GetTo(bob, kTlsRolesDoc, &got).ok());
  EXPECT_EQ(got, kTlsRolesText);
}

}  // namespace
}  // namespace archive::testing
