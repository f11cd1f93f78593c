// A cosigner's own Ed25519 key (C2SP tlog-cosignature), kept beside the
// archive's: DATA_DIR/keys/<stem>.pem (PKCS#8, mode 0600) and
// DATA_DIR/keys/<stem>.vkey (its cosigner verifier key, signature type 0x04,
// one line), made on first use. The witness ("witness") and the mirror
// ("mirror") each have one: the spec asks a distinct key per cosigner, since
// the Ed25519 cosigned message does not commit to the cosigner's name.
//
// A crash while the key is made leaves either nothing, or the verifier key
// alone (a new key is made at the next start), never a private key without
// its verifier key. A verifier key file that is missing or does not match the
// private key when it is loaded is written again from it.
//
// Stateless and thread-safe; the Env is the caller's.
#ifndef ARCHIVE_STORAGE_WITNESS_COSIGNER_KEY_H_
#define ARCHIVE_STORAGE_WITNESS_COSIGNER_KEY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "storage/base/env.h"
#include "storage/format/signing_key.h"

namespace archive {

// The key named `name` (a schema-less URL, e.g. "<origin>/mirror") from
// DATA_DIR/keys/<stem>.pem, made there if missing. Errors: the Env's;
// FAILED_PRECONDITION naming the file for a damaged key.
absl::StatusOr<std::unique_ptr<SigningKey>> LoadOrMakeCosignerKey(
    Env* env, const std::string& data_dir, const std::string& stem,
    const std::string& name);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_WITNESS_COSIGNER_KEY_H_
