// archived with its blobs in a real Ceph RGW (--blob_store=s3://…): the corpus
// is stored as objects named by their digests and read back byte-exact, an
// independent S3 client (boto3) finds each document's bytes under its digest,
// nothing is written to local blob files, two offices on one bucket sync
// without copying a byte, and a large document streams through in flat server
// memory.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/s3/s3_test_util.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

// Every revision of `doc` in `office`, fetched (verified by archivectl) and
// compared with the bytes the history says it holds.
void ExpectEveryRevisionReadsBack(const Office& office, const std::string& doc,
                                  const std::string& trust) {
  Json history = office.History(doc);
  ASSERT_TRUE(history.contains("revisions")) << history.dump();
  for (const Json& rev : history["revisions"]) {
    std::string out = office.scratch() + "/got";
    ProcessResult get =
        office.Ctl({"--trust", trust, "get", doc, "--rev",
                    rev["revision_id"].get<std::string>(), "-o", out});
    ASSERT_EQ(get.exit_code, 0) << Describe(get) << office.Log();
    EXPECT_EQ(FileSha256(out), rev["sha256"].get<std::string>()) << doc;
  }
}

// Digest -> size of every corpus file, raw and clean.
std::map<std::string, uint64_t> CorpusContents() {
  std::map<std::string, uint64_t> out;
  for (const CorpusDocument& d : LoadCorpus()) {
    out[d.raw_sha256] = d.raw_bytes;
    out[d.clean_sha256] = d.clean_bytes;
  }
  return out;
}

// A file's length up to its last non-zero byte: LevelDB's logs are written
// into preallocated zeros (storage/db/preallocated_log_env.h), which hold
// nothing.
uint64_t BytesWritten(const std::string& path) {
  const std::string bytes = ReadFileOrDie(path);
  const size_t last = bytes.find_last_not_of('\0');
  return last == std::string::npos ? 0 : last + 1;
}

TEST(S3Archive, CorpusIsStoredAsObjectsAndReadBackByteExact) {
  S3Env env = LoadS3Env();
  ASSERT_TRUE(env.ok());
  const std::string bucket = NewBucket();
  auto office = Office::Start(
      {"gx.archive.example", "", S3Flags(env, bucket, "gx", true), 0});
  ASSERT_TRUE(office->server().running());
  ProcessResult import = office->Ctl({"import", CorpusDir() + "/manifest.tsv",
                                      "--dir", CorpusDir(), "--json"});
  ASSERT_EQ(import.exit_code, 0) << Describe(import) << office->Log();

  WriteTrustFile(office->scratch() + "/trust", {office.get()});
  for (const CorpusDocument& d : LoadCorpus()) {
    ExpectEveryRevisionReadsBack(*office, d.id, office->scratch() + "/trust");
  }
  // boto3 finds each content under its digest, and nothing else there.
  ProcessResult all = S3Tool({"sha256-all", bucket, "gx/"});
  ASSERT_EQ(all.exit_code, 0) << Describe(all);
  Json objects = ParseJson(all);
  std::map<std::string, uint64_t> contents = CorpusContents();
  EXPECT_EQ(objects.size(), contents.size()) << objects.dump();
  for (const auto& [sha, size] : contents) {
    const std::string key = ObjectKey("gx", sha);
    ASSERT_TRUE(objects.contains(key)) << key << " missing: " << objects.dump();
    EXPECT_EQ(objects[key]["sha256"], sha) << key;
    EXPECT_EQ(objects[key]["size"], size) << key;
  }
  // No byte went to local blob files, nor inline into the metadata store.
  EXPECT_TRUE(FilesUnder(office->data_dir() + "/blobs").empty())
      << office->data_dir() << "/blobs has files";
  uint64_t corpus_bytes = 0, meta_bytes = 0;
  for (const auto& [sha, size] : contents) corpus_bytes += size;
  for (const std::string& f : FilesUnder(office->data_dir() + "/meta")) {
    meta_bytes += BytesWritten(office->data_dir() + "/meta/" + f);
  }
  EXPECT_LT(meta_bytes, corpus_bytes / 4)
      << "the metadata store holds " << meta_bytes << " bytes";
  // Scrub lists the bucket and re-hashes every object: all intact.
  ProcessResult scrub = office->Ctl({"scrub", "--json"});
  EXPECT_EQ(scrub.exit_code, 0) << Describe(scrub);
  Json report = ParseJson(scrub);
  EXPECT_EQ(report["blobs_checked"], contents.size()) << scrub.out;
  EXPECT_TRUE(report["damaged"].empty()) << scrub.out;
}

TEST(S3Archive, TwoOfficesOnOneBucketSyncWithoutCopyingBytes) {
  S3Env env = LoadS3Env();
  ASSERT_TRUE(env.ok());
  const std::string bucket = NewBucket();
  auto a = Office::Start(
      {"a.archive.example", "", S3Flags(env, bucket, "shared", true), 0});
  auto b = Office::Start(
      {"b.archive.example", "", S3Flags(env, bucket, "shared", true), 0});
  b->Trust({a.get()});
  ProcessResult import = a->Ctl({"import", CorpusDir() + "/manifest.tsv",
                                 "--dir", CorpusDir(), "--json"});
  ASSERT_EQ(import.exit_code, 0) << Describe(import) << a->Log();

  Json report = b->SyncOk(a->address());
  ASSERT_FALSE(report.is_discarded());
  EXPECT_EQ(report.value("imported", uint64_t{0}), 2 * LoadCorpus().size())
      << report.dump();
  EXPECT_EQ(report.value("blobs_fetched", UINT64_MAX), 0u)
      << "B found every content already in the shared bucket: "
      << report.dump();
  EXPECT_EQ(report.value("bytes_fetched", UINT64_MAX), 0u) << report.dump();

  // B serves A's documents, verified, from the objects A wrote.
  const std::string trust = b->scratch() + "/trust-all";
  WriteTrustFile(trust, {a.get(), b.get()});
  for (const CorpusDocument& d : LoadCorpus()) {
    ExpectEveryRevisionReadsBack(*b, d.id, trust);
  }
  // Each content is stored once, whichever office archived it.
  ProcessResult list = S3Tool({"list", bucket, "shared/"});
  ASSERT_EQ(list.exit_code, 0) << Describe(list);
  EXPECT_EQ(ParseJson(list).size(), CorpusContents().size()) << list.out;
  // A content B archives itself is there for A alike.
  const std::string text = "第三条 两个办公室共用一个存储桶。\n";
  b->PutText("b-doc", text);
  ProcessResult there =
      S3Tool({"sha256", bucket, ObjectKey("shared", BytesSha256(text))});
  ASSERT_EQ(there.exit_code, 0) << Describe(there);
  EXPECT_EQ(ParseJson(there)["sha256"], BytesSha256(text));
}

// TLS to the endpoint: with --s3_ca_file naming the CA that signed the
// gateway's certificate, the bytes go over https; without it, archived
// refuses to start rather than trust or retry an endpoint it cannot verify.
TEST(S3Archive, HttpsEndpointIsVerifiedWithTheCaFile) {
  S3Env env = LoadS3Env();
  ASSERT_TRUE(env.ok());
  ASSERT_FALSE(env.tls_endpoint.empty()) << "no S3_ENDPOINT_TLS from ceph-dev";
  const std::string bucket = NewBucket();
  std::vector<std::string> flags = {"--blob_store=s3://" + bucket + "/tls",
                                    "--s3_endpoint=" + env.tls_endpoint,
                                    "--inline_blob_max_bytes=0"};

  TempDir dir;
  std::vector<std::string> argv = {
      ArchivedPath(), "--data_dir=" + dir.path() + "/data",
      "--origin=tls.archive.example",
      absl::StrCat("--listen=127.0.0.1:", FreePort())};
  argv.insert(argv.end(), flags.begin(), flags.end());
  ProcessResult refused = RunKilledAfter(argv, absl::Seconds(20));
  EXPECT_EQ(refused.exit_code, 1) << Describe(refused);
  EXPECT_TRUE(absl::StrContains(refused.err, "--s3_ca_file"))
      << Describe(refused);

  flags.push_back("--s3_ca_file=" + env.ca_file);
  auto office = Office::Start({"tls.archive.example", "", flags, 0});
  ASSERT_TRUE(office->server().running());
  const std::string text = "第五条 经由 TLS 存入对象存储。\n";
  office->PutText("tls-doc", text);
  ProcessResult get = office->Ctl({"get", "tls-doc"});
  ASSERT_EQ(get.exit_code, 0) << Describe(get) << office->Log();
  EXPECT_EQ(get.out, text);
  ProcessResult object =
      S3Tool({"sha256", bucket, ObjectKey("tls", BytesSha256(text))});
  ASSERT_EQ(object.exit_code, 0) << Describe(object);
  EXPECT_EQ(ParseJson(object)["sha256"], BytesSha256(text));
}

// 256 MiB by default (about 15 s each way through the gateway on a CI
// machine); bench/s3_bench.sh runs it with ARCHIVE_S3_LARGE_BYTES=1 GiB.
uint64_t LargeBytes() {
  const char* v = std::getenv("ARCHIVE_S3_LARGE_BYTES");
  uint64_t n = 0;
  if (v != nullptr && absl::SimpleAtoi(v, &n) && n > 0) return n;
  return (256ull << 20) + 12345;
}

// Flat memory, as bench/run.sh judges it: from a 48 MiB document to one of
// LargeBytes(), the server's peak RSS grows by less than a quarter of the
// growth in document size (buffering the document would be all of it), and
// stays below half the document.
TEST(S3Archive, LargeDocumentStreamsInFlatServerMemory) {
  S3Env env = LoadS3Env();
  ASSERT_TRUE(env.ok());
  const std::string bucket = NewBucket();
  auto office = Office::Start(
      {"large.archive.example", "", S3Flags(env, bucket, "big", false), 0});
  ASSERT_TRUE(office->server().running());
  const long idle_kb = office->server().RssKb();
  ASSERT_GT(idle_kb, 0);

  // Put and get one document through archivectl; returns the seconds each
  // took.
  auto round_trip = [&](const std::string& doc, uint64_t size,
                        uint64_t seed) -> std::pair<double, double> {
    const std::string in = office->scratch() + "/" + doc + ".bin";
    const std::string sha = WriteRandomFile(in, size, seed);
    absl::Time start = absl::Now();
    ProcessResult put = office->Ctl({"put", in, "--id", doc, "--media-type",
                                     "application/octet-stream", "--json"});
    EXPECT_EQ(put.exit_code, 0) << Describe(put) << office->Log();
    double put_s = absl::ToDoubleSeconds(absl::Now() - start);
    fs::remove(in);
    const std::string out = office->scratch() + "/" + doc + ".out";
    start = absl::Now();
    ProcessResult get = office->Ctl({"get", doc, "-o", out});
    EXPECT_EQ(get.exit_code, 0) << Describe(get) << office->Log();
    double get_s = absl::ToDoubleSeconds(absl::Now() - start);
    EXPECT_EQ(FileSha256(out), sha) << doc;
    fs::remove(out);
    ProcessResult object = S3Tool({"sha256", bucket, ObjectKey("big", sha)});
    EXPECT_EQ(object.exit_code, 0) << Describe(object);
    EXPECT_EQ(ParseJson(object)["sha256"], sha) << doc;
    return {put_s, get_s};
  };

  round_trip("warm-up", 48ull << 20, 0x51A7E4ull);
  const long small_peak_kb = office->server().PeakRssKb();
  const uint64_t size = LargeBytes();
  auto [put_s, get_s] = round_trip("large", size, 0x51A7E5ull);
  const long peak_kb = office->server().PeakRssKb();
  const long allowed_kb = static_cast<long>((size - (48ull << 20)) / 4 / 1024);
  EXPECT_LT(peak_kb - small_peak_kb, allowed_kb)
      << "peak RSS after 48 MiB " << small_peak_kb << " kB, after "
      << (size >> 20) << " MiB " << peak_kb << " kB";
  EXPECT_LT((peak_kb - idle_kb) * 1024, static_cast<long>(size / 2))
      << "idle " << idle_kb << " kB, peak " << peak_kb << " kB";
  EXPECT_TRUE(FilesUnder(office->data_dir() + "/blobs").empty());
  std::printf(
      "large document: %llu bytes, put %.1f MB/s, get %.1f MB/s; server RSS "
      "idle %ld kB, peak %ld kB after 48 MiB, %ld kB after the large one\n",
      static_cast<unsigned long long>(size), size / 1e6 / put_s,
      size / 1e6 / get_s, idle_kb, small_peak_kb, peak_kb);
  RecordProperty("peak_rss_kb", static_cast<int>(peak_kb));
}

}  // namespace
}  // namespace archive::testing
