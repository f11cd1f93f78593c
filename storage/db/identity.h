// The archive's signing identity on disk (contract: ARCHITECTURE.md, "Keys and
// the data directory"): DIR/keys/signing.pem (PKCS#8, 0600),
// DIR/keys/public.pem (SPKI) and DIR/keys/verifier.key (one line). Created on
// first start; a later start must name the same origin.
#ifndef ARCHIVE_STORAGE_DB_IDENTITY_H_
#define ARCHIVE_STORAGE_DB_IDENTITY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/base/env.h"
#include "storage/format/signing_key.h"

namespace archive {

// Loads the identity in `data_dir`, or creates it if there is none. Fails with
// FAILED_PRECONDITION, naming the file and the fix, when the origin differs
// from the one the directory was created with, the private key is readable by
// others, or a key file is corrupt or does not match the others.
absl::StatusOr<std::unique_ptr<SigningKey>> LoadOrCreateIdentity(
    Env* env, const std::string& data_dir, const std::string& origin);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_DB_IDENTITY_H_
