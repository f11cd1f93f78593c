#include "services/rpc/blob_store_setup.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "storage/s3/curl_transport.h"
#include "storage/s3/s3_blob_backend.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_credentials.h"
#include "storage/s3/s3_location.h"

namespace archive {

absl::StatusOr<std::shared_ptr<BlobBackend>> MakeBlobBackend(
    const BlobStoreFlags& flags, Env* env, std::string* warning) {
  warning->clear();
  if (flags.blob_store.empty()) {
    if (!flags.s3_endpoint.empty()) {
      return absl::InvalidArgumentError(
          "--s3_endpoint needs --blob_store=s3://BUCKET/PREFIX");
    }
    return std::shared_ptr<BlobBackend>();
  }
  auto location = ParseS3Location(flags.blob_store);
  if (!location.ok()) return location.status();
  if (flags.s3_endpoint.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--blob_store=", flags.blob_store,
                     " needs --s3_endpoint=URL (e.g. http://127.0.0.1:7480)"));
  }
  auto credentials =
      LoadS3Credentials(env, flags.s3_credentials_file, flags.s3_profile);
  if (!credentials.ok()) return credentials.status();
  if (!flags.s3_ca_file.empty() && !env->FileExists(flags.s3_ca_file)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--s3_ca_file=", flags.s3_ca_file, ": no such file"));
  }
  CurlTransportOptions transport;
  transport.ca_file = flags.s3_ca_file;
  if (flags.s3_timeout_seconds > 0) {
    transport.stall_timeout = absl::Seconds(flags.s3_timeout_seconds);
    transport.connect_timeout =
        std::min(transport.connect_timeout, transport.stall_timeout);
  }
  S3ClientOptions client_options;
  client_options.endpoint = flags.s3_endpoint;
  if (!flags.s3_region.empty()) client_options.region = flags.s3_region;
  client_options.credentials = std::move(*credentials);
  if (flags.s3_attempts > 0) client_options.attempts = flags.s3_attempts;
  auto client = S3Client::Create(std::move(client_options),
                                 std::make_unique<CurlTransport>(transport));
  if (!client.ok()) return client.status();
  S3BlobBackendOptions options;
  options.location = *location;
  if (flags.s3_part_bytes > 0) options.part_bytes = flags.s3_part_bytes;
  auto backend =
      std::make_shared<S3BlobBackend>(std::move(options), std::move(*client));
  absl::Status probe = backend->Probe();
  if (absl::IsUnavailable(probe) || absl::IsDeadlineExceeded(probe)) {
    *warning = absl::StrCat(
        "the object store for ", backend->Describe(),
        " cannot be reached now; serving what is kept inline, and contents "
        "in the store once it answers: ",
        probe.message());
  } else if (!probe.ok()) {
    return probe;
  } else if (flags.s3_abandoned_upload_hours >= 0) {
    auto aborted = backend->AbortAbandonedUploads(
        absl::Hours(flags.s3_abandoned_upload_hours), absl::Now());
    if (!aborted.ok()) {
      *warning =
          absl::StrCat("cannot clear abandoned multipart uploads in ",
                       backend->Describe(), ": ", aborted.status().message());
    } else if (*aborted > 0) {
      *warning = absl::StrCat("aborted ", *aborted, " multipart upload(s) in ",
                              backend->Describe(), " abandoned over ",
                              flags.s3_abandoned_upload_hours,
                              " h ago (a crash in the middle of a put)");
    }
  }
  return std::shared_ptr<BlobBackend>(std::move(backend));
}

}  // namespace archive
