// An upload to a backend that must name a blob before its bytes arrive (an
// object store, BlobBackend::NamesBlobsFirst) of content whose digest is not
// known yet (a one-pass put, whose digest comes last). The bytes are spooled
// to a local temp file as they arrive; Commit, called with the digest the
// BlobStore checked, sends the spooled file to the backend under that digest
// and removes it. So nothing reaches the backend before the digest is checked,
// and memory stays bounded whatever the size (the backend's own upload holds
// a part or two). The price is one local write and read of the bytes.
//
// Thread-safety: one thread at a time, like every Upload. The Env and the
// backend must outlive the upload.
//
// Errors: the Env's for the spool file (RESOURCE_EXHAUSTED when the local
// disk is full); the backend's at Commit. An upload destroyed uncommitted, or
// whose Commit failed, removes its spool file; a crash leaves it for
// ClearSpool at the next start.
#ifndef ARCHIVE_STORAGE_DB_SPOOLED_UPLOAD_H_
#define ARCHIVE_STORAGE_DB_SPOOLED_UPLOAD_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/base/blob_backend.h"
#include "storage/base/env.h"

namespace archive {

// Starts spooling a blob for `backend` into a new file in `dir` (created if
// needed); `expected_size` is passed on to the backend at Commit. `counter`
// makes the file name unique within the process.
absl::StatusOr<std::unique_ptr<BlobBackend::Upload>> NewSpooledUpload(
    Env* env, const std::string& dir, std::atomic<uint64_t>* counter,
    BlobBackend* backend, uint64_t expected_size);

// Removes what a crash left in `dir` (spool files of uploads never
// committed). Call only as the directory's one user.
absl::Status ClearSpool(Env* env, const std::string& dir);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_SPOOLED_UPLOAD_H_
