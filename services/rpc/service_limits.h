// What one archived allows a call: sizes, counts, pages and stream budgets,
// set from archived's flags (archived_main.cc takes its flag defaults from
// here, so a default is stated once). A plain value; copy it freely.
#ifndef ARCHIVE_SERVICES_RPC_SERVICE_LIMITS_H_
#define ARCHIVE_SERVICES_RPC_SERVICE_LIMITS_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>

#include "storage/base/file_hash.h"

namespace archive {

struct ServiceLimits {
  uint64_t max_document_bytes = 4ULL << 30;  // 4 GiB
  uint32_t chunk_bytes = kChunkBytes;        // Get chunk size
  uint32_t max_page_size = 1000;
  uint32_t max_parents = 16;
  // Longest metadata value (title, issuer, ...); statements cap values at 4096.
  uint32_t max_metadata_value_bytes = 4096;
  // Streaming calls open at once per client (0: no limit), and how long a
  // stream may wait on its client (0: forever). See stream_limits.h.
  uint32_t max_streams_per_client = 16;
  uint32_t idle_stream_seconds = 30;
  // Largest chunk a Put or ImportRevision message may carry (archived
  // --max_message_bytes). The transport admits somewhat larger messages, so
  // a client that sends more hears this limit named, not gRPC's own message.
  uint32_t max_chunk_bytes = 4 << 20;
};

// OK, or RESOURCE_EXHAUSTED naming `limits.max_chunk_bytes` and its flag.
grpc::Status CheckChunkSize(size_t size, const ServiceLimits& limits);

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_SERVICE_LIMITS_H_
