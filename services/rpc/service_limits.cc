#include "services/rpc/service_limits.h"

#include "absl/strings/str_cat.h"
#include "services/rpc/proto_convert.h"
#include "services/rpc/request_log.h"
#include "storage/base/error_detail.h"

namespace archive {

grpc::Status CheckChunkSize(size_t size, const ServiceLimits& limits) {
  if (size <= limits.max_chunk_bytes) return grpc::Status::OK;
  return ToGrpc(LimitExceededError(
      {"chunk_bytes", limits.max_chunk_bytes, "--max_message_bytes"}, "chunk",
      absl::StrCat(
          "chunk: ", size, " bytes exceeds this archive's limit of ",
          limits.max_chunk_bytes,
          " bytes per message (archived --max_message_bytes); send "
          "the content in smaller chunks (archivectl sends them again in "
          "chunks of this limit)")));
}

}  // namespace archive
