// A 200 MB document streams through archivectl put and get byte-exact, and the
// server never holds it in memory: its peak RSS stays within 64 MB of its RSS
// when idle. Nor does archivectl: its peak RSS stays under 48 MB for either.
// The content is pseudo-random (incompressible, no repeated chunks), generated
// and hashed as it is written, never held whole.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

namespace fs = std::filesystem;

// Not a multiple of any chunk size, so the last chunk is a partial one.
constexpr uint64_t kDocumentBytes = (200ull << 20) + 12345;
constexpr long kLargeDocumentMaxGrowthKb = 64 * 1024;
// archivectl itself takes ~21 MB; a get once held up to 100 MB of chunks in
// gRPC's receive window when its disk was slower than the archive.
constexpr long kArchivectlMaxRssKb = 48 * 1024;

TEST(LargeDocument, StreamsThroughPutAndGetInBoundedServerMemory) {
  auto server = TestServer::Start();
  ASSERT_TRUE(server->running());
  const long idle_kb = server->RssKb();
  ASSERT_GT(idle_kb, 0) << "cannot read the server's VmRSS";

  TempDir dir;
  const std::string in_path = dir.path() + "/large.bin";
  const std::string out_path = dir.path() + "/large.out";
  const std::string sha256 =
      WriteRandomFile(in_path, kDocumentBytes, 0x9E3779B97F4A7C15ull);
  ASSERT_EQ(fs::file_size(in_path), kDocumentBytes);

  Cli cli(server->address());
  ProcessResult put = cli.Run({"put", in_path, "--id", "large-document",
                               "--title", "200 MB document", "--json"});
  ASSERT_EQ(put.exit_code, 0) << Describe(put) << "\nserver log:\n"
                              << server->log();
  Json reply = Json::parse(put.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(reply.is_discarded()) << Describe(put);
  EXPECT_TRUE(reply.value("created", false)) << put.out;
  EXPECT_EQ(reply["revision"].value("sha256", ""), sha256) << put.out;
  EXPECT_EQ(reply["revision"].value("size", uint64_t{0}), kDocumentBytes)
      << put.out;
  EXPECT_EQ(reply["revision"].value("media_type", ""),
            "application/octet-stream")
      << put.out;
  const long after_put_kb = server->PeakRssKb();
  EXPECT_LT(put.peak_rss_kb, kArchivectlMaxRssKb)
      << "archivectl put held " << put.peak_rss_kb << " kB";

  ProcessResult get = cli.Run({"get", "large-document", "-o", out_path});
  ASSERT_EQ(get.exit_code, 0) << Describe(get) << "\nserver log:\n"
                              << server->log();
  ASSERT_EQ(fs::file_size(out_path), kDocumentBytes);
  EXPECT_LT(get.peak_rss_kb, kArchivectlMaxRssKb)
      << "archivectl get held " << get.peak_rss_kb << " kB";
  EXPECT_EQ(FileSha256(out_path), sha256) << "get returned other bytes";
  fs::remove(out_path);

  // The stored blob is the one file of that size, and no temp file is left.
  const std::string blob = absl::StrCat(server->data_dir(), "/blobs/",
                                        sha256.substr(0, 2), "/", sha256);
  ASSERT_TRUE(fs::exists(blob)) << blob;
  EXPECT_EQ(fs::file_size(blob), kDocumentBytes);
  EXPECT_TRUE(fs::is_empty(server->data_dir() + "/blobs/tmp"));

  const long peak_kb = server->PeakRssKb();
  EXPECT_LT(peak_kb - idle_kb, kLargeDocumentMaxGrowthKb)
      << "archived's peak RSS grew by " << (peak_kb - idle_kb) / 1024
      << " MiB for a " << (kDocumentBytes >> 20) << " MiB document: idle VmRSS "
      << idle_kb << " kB, VmHWM after put " << after_put_kb << " kB, after get "
      << peak_kb << " kB (limit: idle + " << kLargeDocumentMaxGrowthKb
      << " kB)";
  RecordProperty("idle_rss_kb", static_cast<int>(idle_kb));
  RecordProperty("peak_rss_after_put_kb", static_cast<int>(after_put_kb));
  RecordProperty("peak_rss_kb", static_cast<int>(peak_kb));
  RecordProperty("archivectl_get_peak_rss_kb",
                 static_cast<int>(get.peak_rss_kb));
  EXPECT_EQ(server->Stop(), 0) << server->log();
}

}  // namespace
}  // namespace archive::testing
