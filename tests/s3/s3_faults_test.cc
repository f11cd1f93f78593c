// archived on a real Ceph RGW when things go wrong: SIGKILL in the middle of
// puts, objects deleted or altered behind the archive's back, the gateway
// stopped in the middle of a put, and flags that name a store it cannot use.
// The promises are the archive's own: nothing acknowledged is lost, damaged
// bytes are never served, and every refusal says what was wrong.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/s3/s3_test_util.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

// Starts the gateway again when a test ends, however it ends: the other S3
// tests share it.
class GatewayGuard {
 public:
  explicit GatewayGuard(const S3Env& env) : env_(env) {}
  ~GatewayGuard() {
    ProcessResult r = CephDev(env_, "rgw-start");
    EXPECT_EQ(r.exit_code, 0) << Describe(r);
  }

 private:
  S3Env env_;
};

struct Readiness {
  int status = 0;
  std::string body;
};

// Polls /readyz for up to 60 s (the store is probed every 5 s, and a probe
// of a store that is down takes its retries) until it answers `want`.
Readiness WaitForReadiness(int http_port, int want) {
  Readiness last;
  httplib::Client client("127.0.0.1", http_port);
  client.set_read_timeout(10, 0);
  for (int i = 0; i < 120 && last.status != want; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (auto r = client.Get("/readyz"); r) last = {r->status, r->body};
  }
  return last;
}

TEST(S3Faults, SigkillDuringPutsLosesNoAcknowledgedRevision) {
  S3Env env = LoadS3Env();
  ASSERT_TRUE(env.ok());
  const std::string bucket = NewBucket();
  auto office = Office::Start(
      {"kill.archive.example", "", S3Flags(env, bucket, "k", true), 0});
  ASSERT_TRUE(office->server().running());

  struct Acked {
    std::string doc, revision, sha256;
  };
  std::vector<Acked> acked;
  std::atomic<bool> stop{false};
  // Puts one after another, every fourth a multipart upload (11 MiB), until
  // the server is gone; records what was acknowledged.
  std::thread writer([&] {
    for (int i = 0; i < 200 && !stop; ++i) {
      const std::string doc = absl::StrCat("doc-", i);
      const std::string path = absl::StrCat(office->scratch(), "/", doc);
      uint64_t size = i % 4 == 3 ? (11ull << 20) : 50000 + i;
      const std::string sha = WriteRandomFile(path, size, 1000 + i);
      ProcessResult put = office->Ctl({"put", path, "--id", doc, "--media-type",
                                       "application/octet-stream", "--json"});
      fs::remove(path);
      if (put.exit_code != 0) break;  // the server is gone
      Json j = Json::parse(put.out, nullptr, false);
      acked.push_back({doc, j.value("revision_id", ""), sha});
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  office->server().Kill();
  stop = true;
  writer.join();
  ASSERT_GE(acked.size(), 3u) << "too few puts before the kill to mean much";

  ASSERT_TRUE(office->server().Restart()) << office->Log();
  const std::string trust = office->scratch() + "/trust";
  WriteTrustFile(trust, {office.get()});
  for (const Acked& a : acked) {
    const std::string out = office->scratch() + "/got";
    ProcessResult get = office->Ctl(
        {"--trust", trust, "get", a.doc, "--rev", a.revision, "-o", out});
    ASSERT_EQ(get.exit_code, 0) << a.doc << ": " << Describe(get);
    EXPECT_EQ(FileSha256(out), a.sha256) << a.doc;
  }
  ProcessResult scrub = office->Ctl({"scrub", "--json"});
  EXPECT_EQ(scrub.exit_code, 0) << Describe(scrub);
  EXPECT_TRUE(FilesUnder(office->data_dir() + "/blobs").empty());
}

TEST(S3Faults, DeletedOrAlteredObjectIsNeverServedAndScrubNamesIt) {
  S3Env env = LoadS3Env();
  ASSERT_TRUE(env.ok());
  const std::string bucket = NewBucket();
  auto a = Office::Start(
      {"a.archive.example", "", S3Flags(env, bucket, "a", true), 0});
  // B keeps its copies as local files: the peer A repairs from.
  auto b = Office::Start({"b.archive.example", "", {}, 0});
  b->Trust({a.get()});
  const std::string deleted_text =
      "第一条 为了加强政务数据共享管理，制定本办法。\n";
  const std::string altered_text = "第二条 本办法适用于全省政务数据。\n";
  a->PutText("deleted-doc", deleted_text);
  a->PutText("altered-doc", altered_text);
  b->SyncOk(a->address());
  const std::string deleted = BytesSha256(deleted_text);
  const std::string altered = BytesSha256(altered_text);
  ProcessResult r = S3Tool({"delete", bucket, ObjectKey("a", deleted)});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);
  r = S3Tool({"flip", bucket, ObjectKey("a", altered), "4"});
  ASSERT_EQ(r.exit_code, 0) << Describe(r);

  const std::string trust = a->scratch() + "/trust";
  WriteTrustFile(trust, {a.get(), b.get()});
  for (const auto& [doc, word] :
       {std::pair<std::string, std::string>{"deleted-doc", "missing"},
        {"altered-doc", "damaged"}}) {
    const std::string out = a->scratch() + "/" + doc;
    ProcessResult get = a->Ctl({"--trust", trust, "get", doc, "-o", out});
    EXPECT_NE(get.exit_code, 0) << Describe(get);
    EXPECT_TRUE(absl::StrContains(get.err, word)) << Describe(get);
    EXPECT_FALSE(fs::exists(out)) << "damaged bytes were written";
  }

  ProcessResult scrub = a->Ctl({"scrub", "--json"});
  EXPECT_NE(scrub.exit_code, 0) << Describe(scrub);
  Json report = ParseJson(scrub);
  ASSERT_EQ(report["damaged"].size(), 2u) << scrub.out;
  std::map<std::string, Json> by_sha;
  for (const Json& d : report["damaged"]) by_sha[d["sha256"]] = d;
  ASSERT_TRUE(by_sha.count(deleted) && by_sha.count(altered)) << scrub.out;
  EXPECT_EQ(by_sha[deleted]["documents"], Json::array({"deleted-doc"}));
  EXPECT_TRUE(absl::StrContains(by_sha[deleted]["problem"].get<std::string>(),
                                "missing"))
      << scrub.out;
  EXPECT_EQ(by_sha[altered]["documents"], Json::array({"altered-doc"}));
  EXPECT_TRUE(absl::StrContains(by_sha[altered]["problem"].get<std::string>(),
                                "damaged"))
      << scrub.out;

  // Repaired from the peer as a local blob is: the objects are put back.
  scrub = a->Ctl({"scrub", "--json", "--repair", "--peer", b->address()});
  EXPECT_EQ(scrub.exit_code, 0) << Describe(scrub) << a->Log();
  for (const std::string& sha : {deleted, altered}) {
    ProcessResult obj = S3Tool({"sha256", bucket, ObjectKey("a", sha)});
    ASSERT_EQ(obj.exit_code, 0) << Describe(obj);
    EXPECT_EQ(ParseJson(obj)["sha256"], sha);
  }
  ProcessResult get = a->Ctl({"--trust", trust, "get", "altered-doc"});
  EXPECT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(get.out, altered_text);
}

TEST(S3Faults, GatewayStoppedMidPutAcknowledgesNothingAndRecovers) {
  S3Env env = LoadS3Env();
  ASSERT_TRUE(env.ok());
  const std::string bucket = NewBucket();
  // Inline contents stay inline here: they are what is served while the
  // store is down.
  const int http_port = FreePort();
  std::vector<std::string> flags = S3Flags(env, bucket, "d", false);
  flags.push_back(absl::StrCat("--http_listen=127.0.0.1:", http_port));
  auto office = Office::Start({"down.archive.example", "", flags, 0});
  ASSERT_TRUE(office->server().running());
  EXPECT_EQ(WaitForReadiness(http_port, 200).status, 200);
  const std::string small_text = "第四条 小文件留在元数据中。\n";
  office->PutText("inline-doc", small_text);
  const std::string stored = office->scratch() + "/stored.bin";
  const std::string stored_sha = WriteRandomFile(stored, 1 << 20, 77);
  ASSERT_FALSE(office->Put(stored, "stored-doc").empty());

  const std::string big = office->scratch() + "/big.bin";
  const std::string big_sha = WriteRandomFile(big, 160ull << 20, 78);
  GatewayGuard guard(env);
  ProcessResult put;
  std::thread putter([&] {
    put = office->Ctl({"put", big, "--id", "big-doc", "--media-type",
                       "application/octet-stream", "--json"});
  });
  // Stop the gateway once the upload is under way (a multipart upload is in
  // progress in the bucket).
  bool in_progress = false;
  for (int i = 0; i < 300 && !in_progress; ++i) {
    ProcessResult uploads = S3Tool({"uploads", bucket, "d/"});
    in_progress = uploads.exit_code == 0 && ParseJson(uploads).size() > 0;
    if (!in_progress)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ProcessResult stop = CephDev(env, "rgw-stop");
  putter.join();
  ASSERT_TRUE(in_progress) << "the upload never showed: " << Describe(put);
  ASSERT_EQ(stop.exit_code, 0) << Describe(stop);

  EXPECT_NE(put.exit_code, 0)
      << "acknowledged while the store was down: " << Describe(put);
  EXPECT_TRUE(absl::StrContains(put.err, "object store")) << Describe(put);
  ProcessResult history = office->Ctl({"history", "big-doc"});
  EXPECT_EQ(history.exit_code, 3) << "nothing stored: " << Describe(history);

  // While the store is down: inline contents are served; the others fail
  // saying why.
  ProcessResult get = office->Ctl({"get", "inline-doc"});
  EXPECT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(get.out, small_text);
  get = office->Ctl({"get", "stored-doc", "-o", office->scratch() + "/x"});
  EXPECT_NE(get.exit_code, 0) << Describe(get);
  EXPECT_TRUE(absl::StrContains(get.err, "object store")) << Describe(get);
  ProcessResult scrub = office->Ctl({"scrub", "--json"});
  EXPECT_NE(scrub.exit_code, 0) << Describe(scrub);
  EXPECT_TRUE(absl::StrContains(scrub.err, "object store")) << Describe(scrub);
  // A load balancer stops sending writes: /readyz names the store.
  Readiness down = WaitForReadiness(http_port, 503);
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_TRUE(absl::StrContains(down.body, "blob store unreachable (s3://"))
      << down.body;

  ProcessResult start = CephDev(env, "rgw-start");
  ASSERT_EQ(start.exit_code, 0) << Describe(start);
  EXPECT_EQ(WaitForReadiness(http_port, 200).status, 200);
  // The archive recovers by itself: the same put now succeeds.
  put = office->Ctl({"put", big, "--id", "big-doc", "--media-type",
                     "application/octet-stream", "--json"});
  ASSERT_EQ(put.exit_code, 0) << Describe(put) << office->Log();
  const std::string out = office->scratch() + "/big.out";
  get = office->Ctl({"get", "big-doc", "-o", out});
  ASSERT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(FileSha256(out), big_sha);
  get = office->Ctl({"get", "stored-doc", "-o", out});
  ASSERT_EQ(get.exit_code, 0) << Describe(get);
  EXPECT_EQ(FileSha256(out), stored_sha);
}

// archived with a store it cannot use: refused at start with the reason, or
// (unreachable) started, serving what is inline.
TEST(S3Faults, FlagsNamingAStoreItCannotUseAreRefusedClearly) {
  S3Env env = LoadS3Env();
  ASSERT_TRUE(env.ok());
  const std::string bucket = NewBucket();
  TempDir dir;
  const std::string wrong_key = dir.path() + "/wrong-credentials";
  WriteFileOrDie(wrong_key,
                 "[default]\naws_access_key_id = " + env.access_key_id +
                     "\naws_secret_access_key = wrong\n");
  struct Case {
    std::vector<std::string> flags;
    std::string says;
  } cases[] = {
      {{"--blob_store=s3://Not_A_Bucket/p", "--s3_endpoint=" + env.endpoint},
       "is not an S3 bucket name"},
      {{"--blob_store=s3://" + bucket + "/p"}, "needs --s3_endpoint"},
      {{"--blob_store=s3://" + bucket + "/p", "--s3_endpoint=127.0.0.1:80"},
       "--s3_endpoint"},
      {{"--blob_store=s3://" + bucket + "/p", "--s3_endpoint=" + env.endpoint,
        "--s3_credentials_file=" + wrong_key},
       "check AWS_ACCESS_KEY_ID"},
      {{"--blob_store=s3://" + bucket + "/p", "--s3_endpoint=" + env.endpoint,
        "--s3_credentials_file=" + dir.path() + "/none"},
       "--s3_credentials_file"},
      {{"--blob_store=s3://no-such-bucket-anywhere/p",
        "--s3_endpoint=" + env.endpoint},
       "does not exist"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> argv = {
        ArchivedPath(), "--data_dir=" + dir.path() + "/data",
        "--origin=bad.archive.example",
        absl::StrCat("--listen=127.0.0.1:", FreePort())};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    ProcessResult r = RunKilledAfter(argv, absl::Seconds(20));
    EXPECT_EQ(r.exit_code, 1) << c.says << ": " << Describe(r);
    EXPECT_TRUE(absl::StrContains(r.err, c.says)) << Describe(r);
  }

  // A store that does not answer: archived starts, warns, serves inline
  // contents, and refuses the rest naming the store.
  const std::string nowhere = absl::StrCat("http://127.0.0.1:", FreePort());
  auto office = Office::Start({"nowhere.archive.example",
                               "",
                               {"--blob_store=s3://" + bucket + "/n",
                                "--s3_endpoint=" + nowhere, "--s3_attempts=2"},
                               0});
  ASSERT_TRUE(office->server().running());
  EXPECT_TRUE(absl::StrContains(office->Log(), "cannot be reached"))
      << office->Log();
  office->PutText("small", "inline while the store is away\n");
  const std::string big = dir.path() + "/big.bin";
  WriteRandomFile(big, 1 << 20, 5);
  ProcessResult put = office->Ctl({"put", big, "--id", "big"});
  EXPECT_NE(put.exit_code, 0) << Describe(put);
  EXPECT_TRUE(absl::StrContains(put.err, nowhere)) << Describe(put);
}

}  // namespace
}  // namespace archive::testing
