#include "tests/integration/sync_test_util.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "clients/api/archive_client.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/format/signed_note.h"
#include "storage/format/statement.h"

namespace archive::testing {

std::string BytesSha256(const std::string& bytes) {
  return Sha256::HexDigest(bytes);
}

std::string WitnessedOffice::witness_key() const {
  return std::string(absl::StripAsciiWhitespace(
      ReadFileOrDie(office->data_dir() + "/keys/witness.vkey")));
}

std::string WitnessedOffice::witness_url() const {
  return absl::StrCat("http://127.0.0.1:", http_port, "/witness");
}

std::string WitnessedOffice::mirror_key() const {
  return std::string(absl::StripAsciiWhitespace(
      ReadFileOrDie(office->data_dir() + "/keys/mirror.vkey")));
}

std::string WitnessedOffice::mirror_url() const {
  return absl::StrCat("http://127.0.0.1:", http_port, "/mirror");
}

WitnessedOffice StartWitnessedOffice(
    const std::string& origin, const TempDir& dir,
    const std::vector<std::string>& extra_flags,
    const std::string& witness_lines) {
  WitnessedOffice o;
  o.http_port = FreePort();
  o.witnesses_file = dir.path() + "/" + origin + ".witnesses";
  WriteFileOrDie(o.witnesses_file, witness_lines);
  std::vector<std::string> flags = {
      absl::StrCat("--http_listen=127.0.0.1:", o.http_port),
      "--witnesses=" + o.witnesses_file};
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  o.office = Office::Start(Office::Options{origin, "", flags, 0});
  // archived answers gRPC before its HTTP listener starts: on a loaded
  // machine a test's first HTTP request could come first.
  httplib::Client client("127.0.0.1", o.http_port);
  for (int i = 0; i < 100 && !client.Get("/healthz"); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  return o;
}

std::string WitnessLines(const std::vector<const WitnessedOffice*>& witnesses) {
  std::string lines;
  for (const WitnessedOffice* w : witnesses) {
    absl::StrAppend(&lines, "witness ", w->witness_key(), " ", w->witness_url(),
                    "\n");
  }
  return lines;
}

void AskWitnesses(const WitnessedOffice& office,
                  const std::vector<const WitnessedOffice*>& witnesses) {
  WriteFileOrDie(office.witnesses_file, WitnessLines(witnesses));
}

std::string PolicyFile(const TempDir& dir, const std::string& name,
                       const std::vector<std::string>& lines, int quorum) {
  std::string text = "# who must have seen a checkpoint\n";
  for (const std::string& line : lines) absl::StrAppend(&text, line, "\n");
  absl::StrAppend(&text, "quorum ", quorum, "\n");
  const std::string path = dir.path() + "/" + name;
  WriteFileOrDie(path, text);
  return path;
}

httplib::Result HttpGet(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  return client.Get(path.c_str());
}

httplib::Result HttpPost(int port, const std::string& path,
                         const std::string& body) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  return client.Post(path.c_str(), body, "text/plain");
}

int SignatureLines(const std::string& note) {
  int n = 0;
  for (absl::string_view line : absl::StrSplit(note, '\n')) {
    if (absl::StartsWith(line, "\xE2\x80\x94 ")) ++n;
  }
  return n;
}

std::string AwaitCosigned(const WitnessedOffice& o, uint64_t size, int cosigs) {
  std::string note;
  for (int i = 0; i < 200; ++i) {
    auto r = HttpGet(o.http_port, "/log/checkpoint");
    if (r && r->status == 200) {
      note = r->body;
      std::vector<std::string> lines = absl::StrSplit(note, '\n');
      if (lines.size() > 1 && lines[1] == absl::StrCat(size) &&
          SignatureLines(note) == 1 + cosigs) {
        return note;
      }
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return note;
}

Json CheckCosignatures(const std::string& note, const std::string& log_vkey,
                       const std::vector<std::string>& cosigner_keys,
                       const std::string& scratch) {
  const std::string path = scratch + "/checkpoint.note";
  WriteFileOrDie(path, note);
  std::vector<std::string> argv = {
      "/usr/bin/python3",
      SourceDir() + "/tests/integration/check_cosignatures.py", path, log_vkey};
  argv.insert(argv.end(), cosigner_keys.begin(), cosigner_keys.end());
  ProcessResult r = RunProcess(argv);
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  return r.exit_code == 0 ? ParseJson(r) : Json();
}

std::unique_ptr<Office> Office::Start(Options options) {
  std::unique_ptr<Office> office(new Office);
  office->dir_ = std::make_unique<TempDir>();
  office->origin_ = options.origin;
  office->data_dir_ = options.data_dir.empty() ? office->dir_->path() + "/data"
                                               : options.data_dir;
  office->trust_path_ = office->dir_->path() + "/trusted-offices";
  WriteFileOrDie(office->trust_path_, "");
  TestServer::Options server;
  server.origin = options.origin;
  server.data_dir = office->data_dir_;
  server.port = options.port;
  server.extra_flags = {"--trust=" + office->trust_path_};
  server.extra_flags.insert(server.extra_flags.end(),
                            options.extra_flags.begin(),
                            options.extra_flags.end());
  office->server_ = TestServer::Start(server);
  office->cli_ = std::make_unique<Cli>(office->server_->address());
  office->verifier_key_ = std::string(absl::StripAsciiWhitespace(
      ReadFileOrDie(office->data_dir_ + "/keys/verifier.key")));
  return office;
}

void Office::Trust(const std::vector<const Office*>& offices) {
  WriteTrustFile(trust_path_, offices);
}

ProcessResult Office::Ctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"--server", address()};
  argv.insert(argv.end(), args.begin(), args.end());
  return cli_->Run(argv);
}

ProcessResult Office::Sync(const std::string& peer_address) const {
  return Ctl({"sync", peer_address, "--json"});
}

Json Office::SyncOk(const std::string& peer_address) const {
  ProcessResult r = Sync(peer_address);
  EXPECT_EQ(r.exit_code, 0)
      << origin_ << " sync " << peer_address << ": " << Describe(r) << "\n--- "
      << origin_ << " server log:\n"
      << Log();
  if (r.exit_code != 0) return Json(Json::value_t::discarded);
  return ParseJson(r);
}

std::string Office::Put(const std::string& path, const std::string& doc,
                        const std::vector<std::string>& extra) const {
  std::vector<std::string> args = {"put", path, "--id", doc, "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  ProcessResult r = Ctl(args);
  EXPECT_EQ(r.exit_code, 0)
      << origin_ << " put " << path << " --id " << doc << ": " << Describe(r);
  if (r.exit_code != 0) return "";
  Json j = ParseJson(r);
  if (j.is_discarded()) return "";
  EXPECT_TRUE(j.value("created", false)) << doc << ": " << r.out;
  return j.value("revision_id", "");
}

std::string Office::PutText(const std::string& doc, const std::string& text,
                            const std::vector<std::string>& extra) const {
  static int counter = 0;
  std::string path = absl::StrCat(scratch(), "/put-", ++counter, ".txt");
  WriteFileOrDie(path, text);
  return Put(path, doc, extra);
}

Json Office::List() const {
  ProcessResult r = Ctl({"ls", "--json"});
  EXPECT_EQ(r.exit_code, 0) << origin_ << " ls: " << Describe(r);
  return ParseJson(r);
}

std::set<std::string> Office::DocumentIds() const {
  std::set<std::string> ids;
  Json docs = List();
  if (!docs.is_array()) return ids;
  for (const Json& d : docs) ids.insert(d.value("document_id", ""));
  return ids;
}

Json Office::History(const std::string& doc) const {
  ProcessResult r = Ctl({"history", doc, "--json"});
  EXPECT_EQ(r.exit_code, 0)
      << origin_ << " history " << doc << ": " << Describe(r);
  return ParseJson(r);
}

uint64_t Office::TreeSize() const {
  ArchiveClient client(ArchiveClient::Dial(address()));
  auto cp = client.GetCheckpoint();
  EXPECT_TRUE(cp.ok()) << origin_ << " checkpoint: " << cp.status();
  return cp.ok() ? cp->tree_size() : 0;
}

std::vector<std::string> Office::LogRevisionIds() const {
  std::vector<std::string> ids;
  ArchiveClient client(ArchiveClient::Dial(address()));
  uint64_t size = TreeSize();
  uint64_t expected_index = 0;
  absl::Status s = client.ReadLog(
      0, size, [&](const v1::ReadLogResponse& entry) -> absl::Status {
        if (entry.index() != expected_index++) {
          return absl::DataLossError(
              absl::StrCat("entry ", entry.index(), " out of order"));
        }
        auto note = ParseNote(entry.signed_statement());
        if (!note.ok()) return note.status();
        ids.push_back(RevisionIdOf(note->text));
        return absl::OkStatus();
      });
  EXPECT_TRUE(s.ok()) << origin_ << " ReadLog: " << s;
  EXPECT_EQ(ids.size(), size) << origin_ << ": ReadLog returned " << ids.size()
                              << " entries for a tree of size " << size;
  return ids;
}

std::string Office::BlobPath(const std::string& sha256_hex) const {
  return absl::StrCat(data_dir_, "/blobs/", sha256_hex.substr(0, 2), "/",
                      sha256_hex);
}

std::string WriteTrustFile(const std::string& path,
                           const std::vector<const Office*>& offices) {
  std::string text = "# trusted offices\n";
  for (const Office* o : offices)
    absl::StrAppend(&text, o->verifier_key(), "\n");
  WriteFileOrDie(path, text);
  return path;
}

void FlipByte(const std::string& path, long offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f) << path;
  f.seekg(offset);
  char c = 0;
  f.get(c);
  f.seekp(offset);
  f.put(static_cast<char>(c ^ 0x20));
}

bool ContainsAll(const std::string& text,
                 const std::vector<std::string>& parts) {
  for (const std::string& p : parts) {
    if (text.find(p) == std::string::npos) return false;
  }
  return true;
}

}  // namespace archive::testing
