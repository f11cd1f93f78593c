// Helpers of the tests against a real Ceph RADOS Gateway (tests/s3/): the
// cluster's address and credentials, fresh buckets, archived's flags for the
// S3 backend, and an independent S3 client (tests/s3/s3_tool.py, boto3).
//
// The gateway is started once for all of them by the CTest fixture
// S3.ClusterStart (deploy/ceph-dev.sh start), which writes the shell lines
// S3_ENDPOINT=, AWS_ACCESS_KEY_ID=, AWS_SECRET_ACCESS_KEY= to the file named
// by $ARCHIVE_S3_ENV. Run alone, a test fails saying so: it never passes
// without a gateway.
#ifndef ARCHIVE_TESTS_S3_S3_TEST_UTIL_H_
#define ARCHIVE_TESTS_S3_S3_TEST_UTIL_H_

#include <string>
#include <vector>

#include "tests/integration/sync_test_util.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {

struct S3Env {
  std::string endpoint;
  std::string access_key_id;
  std::string secret_access_key;
  std::string tls_endpoint;  // the same gateway over https
  std::string ca_file;       // the CA that signed its certificate
  std::string cluster_dir;   // where deploy/ceph-dev.sh keeps the cluster
  bool ok() const { return !endpoint.empty(); }
};

// Reads $ARCHIVE_S3_ENV and exports its variables to this process (so
// archived and s3_tool.py started from here inherit the credentials). A test
// failure, and an empty S3Env, if there is none.
S3Env LoadS3Env();

// tests/s3/s3_tool.py ARGS with the cluster's endpoint and credentials.
ProcessResult S3Tool(const std::vector<std::string>& args);
// Makes a bucket no other test uses (boto3); returns its name.
std::string NewBucket();

// archived flags for blobs in s3://BUCKET/PREFIX; with `all_in_store`, no
// content is kept inline (--inline_blob_max_bytes=0), so every content is
// an object.
std::vector<std::string> S3Flags(const S3Env& env, const std::string& bucket,
                                 const std::string& prefix, bool all_in_store);

// The object key of a content under PREFIX.
std::string ObjectKey(const std::string& prefix, const std::string& sha256);

// deploy/ceph-dev.sh CMD CLUSTER_DIR (rgw-stop, rgw-start).
ProcessResult CephDev(const S3Env& env, const std::string& cmd);

}  // namespace archive::testing

#endif  // ARCHIVE_TESTS_S3_S3_TEST_UTIL_H_
