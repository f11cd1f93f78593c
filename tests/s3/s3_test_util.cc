#include "tests/s3/s3_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"

namespace archive::testing {

S3Env LoadS3Env() {
  S3Env env;
  const char* path = std::getenv("ARCHIVE_S3_ENV");
  if (path == nullptr || *path == '\0') {
    ADD_FAILURE() << "ARCHIVE_S3_ENV is not set: run these tests through "
                     "ctest (its fixture S3.ClusterStart starts a Ceph RGW "
                     "with deploy/ceph-dev.sh), or start one and set "
                     "ARCHIVE_S3_ENV to its DIR/s3.env";
    return env;
  }
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path
                  << ": did the fixture S3.ClusterStart fail?";
    return env;
  }
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    if (kv.size() != 2) continue;
    ::setenv(kv[0].c_str(), kv[1].c_str(), 1);
    if (kv[0] == "S3_ENDPOINT") env.endpoint = kv[1];
    if (kv[0] == "AWS_ACCESS_KEY_ID") env.access_key_id = kv[1];
    if (kv[0] == "AWS_SECRET_ACCESS_KEY") env.secret_access_key = kv[1];
    if (kv[0] == "S3_ENDPOINT_TLS") env.tls_endpoint = kv[1];
    if (kv[0] == "S3_CA_FILE") env.ca_file = kv[1];
  }
  std::string dir = path;
  env.cluster_dir = dir.substr(0, dir.rfind('/'));
  if (env.endpoint.empty()) ADD_FAILURE() << path << " has no S3_ENDPOINT";
  return env;
}

ProcessResult S3Tool(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/python3",
                                   SourceDir() + "/tests/s3/s3_tool.py"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv);
}

std::string NewBucket() {
  static std::atomic<int> next{0};
  std::string name = absl::StrCat("archive-test-", ::getpid(), "-", next++, "-",
                                  absl::ToUnixMicros(absl::Now()) % 1000000);
  ProcessResult r = S3Tool({"mkbucket", name});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  return name;
}

std::vector<std::string> S3Flags(const S3Env& env, const std::string& bucket,
                                 const std::string& prefix, bool all_in_store) {
  std::vector<std::string> flags = {
      absl::StrCat("--blob_store=s3://", bucket, "/", prefix),
      "--s3_endpoint=" + env.endpoint,
      // Give up on an unreachable store within about a second per request.
      "--s3_attempts=3", "--s3_timeout_seconds=10"};
  if (all_in_store) flags.push_back("--inline_blob_max_bytes=0");
  return flags;
}

std::string ObjectKey(const std::string& prefix, const std::string& sha256) {
  return absl::StrCat(prefix, "/sha256/", sha256.substr(0, 2), "/", sha256);
}

ProcessResult CephDev(const S3Env& env, const std::string& cmd) {
  return RunProcess(
      {SourceDir() + "/deploy/ceph-dev.sh", cmd, env.cluster_dir});
}

}  // namespace archive::testing
