// C2SP tlog-cosignature, Ed25519 cosignature/v1: a witness's statement that,
// at a time, the checkpoint is the largest consistent one it has seen of the
// log. The cosignature is a signed-note signature line on the checkpoint whose
// key id hashes type 0x04 (NoteKeyId) and whose signature field is a
// timestamped_signature: the big-endian u64 POSIX time, then the Ed25519
// signature over
//   "cosignature/v1\ntime <time>\n" || the checkpoint's note text.
// Verification is in storage/verify/witness_policy.h.
//
// Stateless and thread-safe.
#ifndef ARCHIVE_STORAGE_FORMAT_COSIGNATURE_H_
#define ARCHIVE_STORAGE_FORMAT_COSIGNATURE_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "storage/format/signed_note.h"
#include "storage/format/signing_key.h"

namespace archive {

// The message a cosignature/v1 signs for `checkpoint_text` (the note text,
// ending in "\n") at `timestamp`.
std::string CosignedMessage(uint64_t timestamp,
                            absl::string_view checkpoint_text);

// `witness`'s cosignature of `checkpoint_text` at `timestamp`.
NoteSignature Cosign(const SigningKey& witness, uint64_t timestamp,
                     absl::string_view checkpoint_text);

// The witness's cosigner verifier key "<name>+<hex id>+<base64(0x04||pub)>".
std::string CosignerVerifierKey(const SigningKey& witness);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_FORMAT_COSIGNATURE_H_
