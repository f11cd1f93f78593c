// An identity is (issuing CA, name) (issue 11, defect 5). With a peer office's
// CA in --tls_client_ca, as sync over mutual TLS needs, a certificate
// "CN=admin" from that CA is not our admin, and a "CN=archivist-alice" from it
// neither puts as our archivist nor signs statements as "archivist-alice":
// bound explicitly to the peer's CA, its statements say "archivist-alice@CA".
// A CA that copies our CA's name but not its key gains nothing, and a peer
// office bound by CA syncs with the peer role and nothing more.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "clients/api/archive_client.h"
#include "tests/integration/test_harness.h"
#include "tests/integration/tls_test_util.h"

namespace archive::testing {
namespace {

constexpr char kOurs[] = "a.archive.test";
constexpr char kPeer[] = "b.archive.test";
constexpr char kTlsIdentityDoc[] = "gx-2023-identity-1";
constexpr char kTlsIdentityText[] =
    "关于加强政务数据共享的通知\n第一条 数据归属。\n";

// Roles as configs written before CAs had names: no binding names a CA.
constexpr char kUnnamedRoles[] =
    "roles { identity: \"admin\" roles: \"admin\" }\n"
    "roles { identity: \"archivist-alice\" roles: \"archivist\" }\n";

// The certificate's SHA-256 fingerprint as openssl prints it
// ("AB:CD:…"), and as lowercase hex without colons.
std::string OpensslFingerprint(const std::string& pem) {
  ProcessResult r = RunProcess({"/usr/bin/openssl", "x509", "-in", pem,
                                "-noout", "-fingerprint", "-sha256"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  std::string line(absl::StripAsciiWhitespace(r.out));
  return line.substr(line.find('=') + 1);
}
std::string HexFingerprint(const std::string& pem) {
  return absl::AsciiStrToLower(
      absl::StrReplaceAll(OpensslFingerprint(pem), {{":", ""}}));
}
// The name an unnamed bundle CA gets.
std::string AutoName(const OfficeCerts& certs) {
  return "ca-" + HexFingerprint(certs.ca()).substr(0, 16);
}

// archived flags for mutual TLS with `server`'s certificate and a client CA
// bundle of the CAs of `bundle`, in that order.
std::vector<std::string> BundleFlags(const std::string& dir,
                                     const OfficeCerts& server,
                                     const std::vector<OfficeCerts>& bundle) {
  std::string path = dir + "/client-cas.pem";
  std::string pem;
  for (const OfficeCerts& c : bundle) pem += ReadFileOrDie(c.ca());
  WriteFileOrDie(path, pem);
  return {"--tls_cert=" + server.server_cert(),
          "--tls_key=" + server.server_key(), "--tls_client_ca=" + path};
}

// Our office (a) and a peer office (b), each with its own CA, both CAs in our
// --tls_client_ca: the peer's first, so its place in the bundle decides
// nothing.
class TlsIdentity : public ::testing::Test {
 protected:
  void SetUp() override {
    ours_.dir = dir_.path() + "/a-certs";
    peer_.dir = dir_.path() + "/b-certs";
    ASSERT_NO_FATAL_FAILURE(
        MakeCerts(ours_.dir, kOurs, {"admin", "archivist-alice"}));
    ASSERT_NO_FATAL_FAILURE(
        MakeCerts(peer_.dir, kPeer, {"admin", "archivist-alice"}, {"--peer"}));
    text_path_ = dir_.path() + "/doc.txt";
    WriteFileOrDie(text_path_, kTlsIdentityText);
  }

  // archived for kOurs with `config` and a client CA bundle of `bundle`.
  void Start(const std::string& config,
             const std::vector<OfficeCerts>& bundle) {
    std::string path = dir_.path() + "/archived.textproto";
    WriteFileOrDie(path, config);
    TestServer::Options options;
    options.origin = kOurs;
    options.extra_flags = BundleFlags(dir_.path(), ours_, bundle);
    options.extra_flags.push_back("--config=" + path);
    options.tls_ca = ours_.ca();
    options.tls_cert = ours_.cert("admin");
    options.tls_key = ours_.key("admin");
    server_ = TestServer::Start(options);
    ASSERT_TRUE(server_->running());
    cli_ = std::make_unique<Cli>(server_->address());
  }
  void Start(const std::string& config) { Start(config, {peer_, ours_}); }

  // archivectl as `who`, with the certificate `issuer`'s CA gave it.
  ProcessResult Ctl(const OfficeCerts& issuer, const std::string& who,
                    std::vector<std::string> args) const {
    std::vector<std::string> flags = {"--tls_ca",   ours_.ca(),
                                      "--tls_cert", issuer.cert(who),
                                      "--tls_key",  issuer.key(who)};
    args.insert(args.begin(), flags.begin(), flags.end());
    return cli_->Run(args);
  }
  ArchiveClient Client(const OfficeCerts& issuer,
                       const std::string& who) const {
    auto channel = ArchiveClient::Dial(
        server_->address(),
        TlsFiles{ours_.ca(), issuer.cert(who), issuer.key(who)});
    EXPECT_TRUE(channel.ok()) << channel.status();
    return ArchiveClient(channel.ok() ? *channel : ArchiveClient::Dial("x:1"));
  }
  uint64_t TreeSize() const {
    auto cp = Client(ours_, "admin").GetCheckpoint();
    EXPECT_TRUE(cp.ok()) << cp.status();
    return cp.ok() ? cp->tree_size() : 0;
  }
  // The signed statement of `rev`, as our admin reads it.
  std::string Statement(const std::string& rev) const {
    ProcessResult r = Ctl(ours_, "admin", {"statement", rev});
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
    return r.out;
  }

  TempDir dir_;
  OfficeCerts ours_, peer_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Cli> cli_;
  std::string text_path_;
};

void ExpectDenied(const ProcessResult& r, const std::string& identity,
                  const std::string& role, const std::string& method) {
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_TRUE(absl::StrContains(
      r.err, absl::StrCat(identity, " lacks role ", role, " for ", method)))
      << "expected " << identity << " to be refused " << role << ": "
      << Describe(r);
}

TEST_F(TlsIdentity, PeerCaAdminGetsNoAdminRole) {
  ASSERT_NO_FATAL_FAILURE(Start(kUnnamedRoles));
  const std::string peer_admin = "admin@" + AutoName(peer_);

  ProcessResult scrub = Ctl(peer_, "admin", {"scrub"});
  ExpectDenied(scrub, peer_admin, "admin", "Scrub");
  EXPECT_TRUE(absl::StrContains(scrub.err, "not this office's own"))
      << Describe(scrub);
  ExpectDenied(
      Ctl(peer_, "admin", {"put", text_path_, "--id", kTlsIdentityDoc}),
      peer_admin, "archivist", "Put");
  ExpectDenied(Ctl(peer_, "admin", {"checkpoint"}), peer_admin, "reader",
               "GetCheckpoint");
  EXPECT_EQ(
      AuditLines(server_->log(), "Scrub", peer_admin, "PERMISSION_DENIED"), 1)
      << server_->log();
  EXPECT_EQ(TreeSize(), 0u);

  // Our own admin still is one, and writes as plain "admin".
  ProcessResult ours = Ctl(ours_, "admin", {"scrub"});
  EXPECT_EQ(ours.exit_code, 0) << Describe(ours);
  ProcessResult put =
      Ctl(ours_, "admin", {"put", text_path_, "--id", kTlsIdentityDoc});
  ASSERT_EQ(put.exit_code, 0) << Describe(put);
  std::string rev(absl::StripAsciiWhitespace(put.out));
  EXPECT_TRUE(absl::StrContains(Statement(rev), "\nsubmitted-by admin\n"));
}

TEST_F(TlsIdentity, PeerCaArchivistCannotPutAsOurs) {
  ASSERT_NO_FATAL_FAILURE(Start(kUnnamedRoles));
  const std::string peer_alice = "archivist-alice@" + AutoName(peer_);

  ProcessResult put = Ctl(peer_, "archivist-alice",
                          {"put", text_path_, "--id", kTlsIdentityDoc});
  ExpectDenied(put, peer_alice, "archivist", "Put");
  EXPECT_TRUE(absl::StrContains(put.err, "ca: \"" + AutoName(peer_) + "\""))
      << "the refusal should say how to bind that CA: " << Describe(put);
  std::string content = "through the library\n";
  auto lib = Client(peer_, "archivist-alice")
                 .PutBytes(content, HeaderFor(kTlsIdentityDoc, content));
  EXPECT_EQ(lib.status().code(), absl::StatusCode::kPermissionDenied)
      << lib.status();
  EXPECT_TRUE(absl::StrContains(lib.status().message(), peer_alice))
      << lib.status();
  EXPECT_EQ(TreeSize(), 0u) << "nothing may be stored";

  ProcessResult ours = Ctl(ours_, "archivist-alice",
                           {"put", text_path_, "--id", kTlsIdentityDoc});
  ASSERT_EQ(ours.exit_code, 0) << Describe(ours);
  std::string rev(absl::StripAsciiWhitespace(ours.out));
  EXPECT_TRUE(
      absl::StrContains(Statement(rev), "\nsubmitted-by archivist-alice\n"));
}

// Bound explicitly, the peer's archivist may put, and every record of the
// revision says which CA vouched for it.
TEST_F(TlsIdentity, PeerCaArchivistBoundByCaSubmitsNamingItsCa) {
  ASSERT_NO_FATAL_FAILURE(Start(absl::StrCat(
      "client_cas { name: \"b-office\" certificate_file: \"", peer_.ca(),
      "\" }\n", "client_cas { name: \"a-office\" sha256: \"",
      OpensslFingerprint(ours_.ca()), "\" }\n", kUnnamedRoles,
      "roles { identity: \"archivist-alice\" ca: \"b-office\" roles: "
      "\"archivist\" }\n")));

  ProcessResult put = Ctl(peer_, "archivist-alice",
                          {"put", text_path_, "--id", kTlsIdentityDoc});
  ASSERT_EQ(put.exit_code, 0) << Describe(put);
  std::string rev(absl::StripAsciiWhitespace(put.out));
  EXPECT_TRUE(absl::StrContains(Statement(rev),
                                "\nsubmitted-by archivist-alice@b-office\n"))
      << Statement(rev);
  ProcessResult history =
      Ctl(ours_, "admin", {"history", kTlsIdentityDoc, "--json"});
  ASSERT_EQ(history.exit_code, 0) << Describe(history);
  EXPECT_EQ(ParseJson(history)["revisions"][0]["submitted_by"],
            "archivist-alice@b-office");
  ExpectDenied(Ctl(peer_, "archivist-alice", {"scrub"}),
               "archivist-alice@b-office", "admin", "Scrub");

  std::string v2 = std::string(kTlsIdentityText) + "第二条\n";
  auto ours = Client(ours_, "archivist-alice")
                  .PutBytes(v2, HeaderFor(kTlsIdentityDoc, v2));
  ASSERT_TRUE(ours.ok()) << ours.status();
  EXPECT_EQ(ours->revision().submitted_by(), "archivist-alice");

  // GetArchiveInfo: who the caller is, and each identity with its CA.
  auto theirs = Client(peer_, "archivist-alice").GetArchiveInfo();
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  EXPECT_EQ(theirs->caller_identity(), "archivist-alice@b-office");
  auto info = Client(ours_, "admin").GetArchiveInfo();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->caller_identity(), "admin");
  const v1::AccessPolicy& access = info->access();
  EXPECT_EQ(std::vector<std::string>(access.archivists().begin(),
                                     access.archivists().end()),
            (std::vector<std::string>{"admin", "archivist-alice",
                                      "archivist-alice@b-office"}));
  EXPECT_EQ(
      std::vector<std::string>(access.admins().begin(), access.admins().end()),
      std::vector<std::string>{"admin"});
  ASSERT_EQ(access.client_cas_size(), 2);
  EXPECT_TRUE(absl::StartsWith(access.client_cas(0), "b-office (CN=b.archive"))
      << access.client_cas(0);
  EXPECT_TRUE(absl::StartsWith(access.client_cas(1), "a-office (own, CN=a."))
      << access.client_cas(1);
  EXPECT_TRUE(
      absl::StrContains(access.client_cas(0), HexFingerprint(peer_.ca())));
}

// Our own CA's certificate "CN=archivist-alice@b-office" cannot pass for the
// peer CA's archivist-alice in a statement: a name with '@' is written with its
// CA even from ours, so the text after the last '@' always names the CA.
TEST_F(TlsIdentity, OwnCaNameWithAtSignSaysItsCa) {
  const std::string lookalike = "archivist-alice@b-office";
  ASSERT_NO_FATAL_FAILURE(MakeCerts(ours_.dir, kOurs, {lookalike}));
  ASSERT_NO_FATAL_FAILURE(Start(absl::StrCat(
      "client_cas { name: \"b-office\" certificate_file: \"", peer_.ca(),
      "\" }\n", "client_cas { name: \"a-office\" certificate_file: \"",
      ours_.ca(), "\" }\n", kUnnamedRoles, "roles { identity: \"", lookalike,
      "\" roles: \"archivist\" }\n")));

  ProcessResult put =
      Ctl(ours_, lookalike, {"put", text_path_, "--id", kTlsIdentityDoc});
  ASSERT_EQ(put.exit_code, 0) << Describe(put);
  std::string rev(absl::StripAsciiWhitespace(put.out));
  EXPECT_TRUE(absl::StrContains(
      Statement(rev), "\nsubmitted-by archivist-alice@b-office@a-office\n"))
      << Statement(rev);
  // The peer CA's archivist-alice is not bound here, and is told so by name.
  ExpectDenied(Ctl(peer_, "archivist-alice",
                   {"put", text_path_, "--id", kTlsIdentityDoc}),
               "archivist-alice@b-office", "archivist", "Put");
}

// A CA with our CA's very name ("CN=a.archive.test Archive CA") but another
// key, first in the bundle, cannot mint our admins: the issuer is told by
// signature, not by name.
TEST_F(TlsIdentity, SameNamedCaCannotMintOurAdmins) {
  OfficeCerts impostor{dir_.path() + "/impostor-certs"};
  ASSERT_NO_FATAL_FAILURE(MakeCerts(impostor.dir, kOurs, {"admin"}));
  ASSERT_NO_FATAL_FAILURE(Start(kUnnamedRoles, {impostor, ours_}));

  ExpectDenied(Ctl(impostor, "admin", {"scrub"}), "admin@" + AutoName(impostor),
               "admin", "Scrub");
  ProcessResult ours = Ctl(ours_, "admin", {"scrub"});
  EXPECT_EQ(ours.exit_code, 0) << Describe(ours);
}

// archived --config with `config` and a bundle of our CA and the peer's, with
// a server certificate from neither: refuses to start.
ProcessResult StartRefused(const std::string& dir, const OfficeCerts& server,
                           const std::vector<OfficeCerts>& bundle,
                           const std::string& config) {
  std::string path = dir + "/refused.textproto";
  WriteFileOrDie(path, config);
  std::vector<std::string> argv = {
      "/usr/bin/timeout",
      "20",
      ArchivedPath(),
      "--data_dir=" + dir + "/data",
      "--origin=" + std::string(kOurs),
      absl::StrCat("--listen=127.0.0.1:", FreePort()),
      "--config=" + path};
  for (const std::string& f : BundleFlags(dir, server, bundle))
    argv.push_back(f);
  ProcessResult r = RunProcess(argv);
  EXPECT_NE(r.exit_code, 0) << Describe(r);
  EXPECT_NE(r.exit_code, 124) << "archived served with " << config;
  return r;
}

// Which CA a binding without `ca` means must be clear: with two CAs in the
// bundle and a server certificate from neither, archived refuses to start
// and says how to resolve it; a wrong CA name or fingerprint is refused by
// name.
TEST_F(TlsIdentity, AmbiguousOwnCaIsRefusedAtStart) {
  OfficeCerts third{dir_.path() + "/c-certs"};
  ASSERT_NO_FATAL_FAILURE(MakeCerts(third.dir, "c.archive.test", {}));
  const std::vector<OfficeCerts> bundle = {ours_, peer_};

  ProcessResult r = StartRefused(dir_.path(), third, bundle, kUnnamedRoles);
  for (const char* word : {"roles entry for \"admin\" names no ca", "ambiguous",
                           "2 CAs", "own: true"}) {
    EXPECT_TRUE(absl::StrContains(r.err, word))
        << "should say " << word << ": " << Describe(r);
  }
  r = StartRefused(dir_.path(), third, bundle,
                   "roles { identity: \"admin\" ca: \"nope\" roles: "
                   "\"admin\" }\n");
  EXPECT_TRUE(absl::StrContains(r.err, "ca \"nope\" is no CA")) << Describe(r);
  r = StartRefused(dir_.path(), third, bundle,
                   absl::StrCat("client_cas { name: \"x\" sha256: \"",
                                std::string(64, 'a'), "\" }\n"));
  EXPECT_TRUE(absl::StrContains(r.err, "client_cas entry \"x\""))
      << Describe(r);
  EXPECT_TRUE(absl::StrContains(r.err, "no CA of --tls_client_ca"))
      << Describe(r);

  // Marking our CA as own settles it. The peer's CA may be pinned to the
  // "ca-…" name its identities already carry (in statements, say).
  std::string config = dir_.path() + "/own.textproto";
  WriteFileOrDie(
      config,
      absl::StrCat("client_cas { name: \"a\" certificate_file: \"", ours_.ca(),
                   "\" own: true }\n", "client_cas { name: \"", AutoName(peer_),
                   "\" certificate_file: \"", peer_.ca(), "\" }\n",
                   kUnnamedRoles));
  TestServer::Options options;
  options.origin = kOurs;
  options.extra_flags = BundleFlags(dir_.path(), third, bundle);
  options.extra_flags.push_back("--config=" + config);
  options.tls_ca = third.ca();
  options.tls_cert = ours_.cert("admin");
  options.tls_key = ours_.key("admin");
  auto server = TestServer::Start(options);
  ASSERT_TRUE(server->running());
  Cli cli(server->address());
  auto ctl = [&](const OfficeCerts& issuer, const std::string& who) {
    return cli.Run({"--tls_ca", third.ca(), "--tls_cert", issuer.cert(who),
                    "--tls_key", issuer.key(who), "scrub"});
  };
  ProcessResult ours = ctl(ours_, "admin");
  EXPECT_EQ(ours.exit_code, 0) << Describe(ours);
  ExpectDenied(ctl(peer_, "admin"), "admin@" + AutoName(peer_), "admin",
               "Scrub");
}

// The config lines make-certs.sh --peer prints for the office that pulls
// from: its CA named, its peer certificate bound by that CA.
std::string PeerAdvice(const OfficeCerts& certs, const std::string& office) {
  ProcessResult r = RunProcess({SourceDir() + "/deploy/make-certs.sh", "--out",
                                certs.dir, "--peer", office});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  std::string config;
  for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
    absl::string_view text = absl::StripLeadingAsciiWhitespace(line);
    if (absl::StartsWith(text, "client_cas {") ||
        absl::StartsWith(text, "roles {")) {
      absl::StrAppend(&config, text, "\n");
    }
  }
  EXPECT_TRUE(absl::StrContains(config, "ca: \"")) << Describe(r);
  return config;
}

// A peer office bound by its CA pulls from us under mutual TLS, configured as
// make-certs.sh --peer advises, and gets the peer role and nothing more.
TEST_F(TlsIdentity, SyncPeerBoundByCaGetsOnlyThePeerRole) {
  ASSERT_NO_FATAL_FAILURE(
      Start(absl::StrCat(PeerAdvice(peer_, kPeer), kUnnamedRoles)));
  for (int i = 1; i <= 2; ++i) {
    std::string path = absl::StrCat(dir_.path(), "/doc", i, ".txt");
    WriteFileOrDie(path, absl::StrCat(kTlsIdentityText, "第", i, "号\n"));
    ProcessResult r = Ctl(ours_, "archivist-alice",
                          {"put", path, "--id", absl::StrCat("a-doc-", i)});
    ASSERT_EQ(r.exit_code, 0) << Describe(r);
  }

  // The peer office: its own CA only, pulling from us with its peer.pem.
  std::string b_config = dir_.path() + "/b.textproto";
  WriteFileOrDie(
      b_config,
      absl::StrCat(
          "peers {\n  name: \"", kOurs, "\"\n  address: \"", server_->address(),
          "\"\n  verifier_key: \"",
          absl::StripAsciiWhitespace(
              ReadFileOrDie(server_->data_dir() + "/keys/verifier.key")),
          "\"\n  tls_ca_file: \"", ours_.ca(), "\"\n  tls_cert_file: \"",
          peer_.peer_cert(), "\"\n  tls_key_file: \"", peer_.peer_key(),
          "\"\n}\nroles { identity: \"admin\" roles: \"admin\" }\n"));
  TestServer::Options b = peer_.MutualTlsServer(kPeer, b_config, "admin");
  auto b_server = TestServer::Start(b);
  ASSERT_TRUE(b_server->running());
  Cli b_cli(b_server->address());
  std::vector<std::string> b_args = peer_.CtlFlags("admin");
  b_args.insert(b_args.end(), {"sync", server_->address(), "--json"});
  ProcessResult sync = b_cli.Run(b_args);
  ASSERT_EQ(sync.exit_code, 0) << Describe(sync) << "\nour log:\n"
                               << server_->log();
  EXPECT_EQ(ParseJson(sync)["imported"], 2);
  const std::string peer_id = absl::StrCat(kPeer, "@", kPeer);
  EXPECT_GE(AuditLines(server_->log(), "ReadLog", peer_id, "OK"), 1)
      << server_->log();
  // The two small contents came inside the log entries, under the same role.
  EXPECT_EQ(AuditLines(server_->log(), "GetBlob", peer_id, "OK"), 0)
      << server_->log();

  // The same certificate may not write or administer here.
  ArchiveClient as_peer(*ArchiveClient::Dial(
      server_->address(),
      TlsFiles{ours_.ca(), peer_.peer_cert(), peer_.peer_key()}));
  std::string content = "a peer's own words\n";
  auto put = as_peer.PutBytes(content, HeaderFor("b-doc", content));
  EXPECT_EQ(put.status().code(), absl::StatusCode::kPermissionDenied)
      << put.status();
  EXPECT_TRUE(absl::StrContains(put.status().message(),
                                peer_id + " lacks role archivist for Put"))
      << put.status();
  auto info = as_peer.GetArchiveInfo();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->caller_identity(), peer_id);
  EXPECT_EQ(std::vector<std::string>(info->caller_roles().begin(),
                                     info->caller_roles().end()),
            std::vector<std::string>{"peer"});
  EXPECT_EQ(TreeSize(), 2u);
}

}  // namespace
}  // namespace archive::testing
