// This archive as a C2SP tlog-witness (https://c2sp.org/tlog-witness) for the
// logs of the offices it trusts: add-checkpoint's checks, its answers, and the
// state it keeps, one latest cosigned checkpoint per log origin.
//
// The promise: a witness never cosigns two inconsistent checkpoints of a log,
// nor a smaller one than it cosigned before, across restarts and crashes. So
// each origin's latest cosigned checkpoint is a file written atomically and
// durably (Env::WriteFileAtomic) before the cosignature is returned, and the
// check of `old` against it and that write happen under one lock: two
// requests at once never roll the witness back (the race the spec warns of).
// A crash before the write leaves the old state and no cosignature went out;
// after it, the new state stands (the client retries and gets a 409 with it).
// A state file that cannot be read, or does not parse, is never taken for
// "nothing cosigned yet" (which would cosign a fork from 0): every
// checkpoint of its log is refused until the file is restored.
//
// Files under DATA_DIR: keys/witness.pem (PKCS#8, 0600) and keys/witness.vkey
// (its cosigner verifier key, signature type 0x04), made on first use;
// witness/state/<origin file name> (the cosigned checkpoint's text);
// witness/evidence/ (each request whose signature verified but whose
// consistency failed or whose root differs at an equal size: kept as proof of
// the log's misbehaviour, the spec's "MAY log").
//
// Thread-safety: thread-safe. The Env is not owned and must outlive this.
#ifndef ARCHIVE_STORAGE_WITNESS_WITNESS_H_
#define ARCHIVE_STORAGE_WITNESS_WITNESS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "storage/base/env.h"
#include "storage/format/signing_key.h"
#include "storage/verify/proof_verifier.h"
#include "storage/verify/trust_store.h"

namespace archive {

// An add-checkpoint answer: the HTTP status, Content-Type and body the spec
// gives it (200 cosignature lines; 400, 403, 404, 409 with the size as
// text/x.tlog.size, 422), or 500 when the log's state file cannot be read,
// is damaged or cannot be written (the body names the file and the fault;
// nothing is cosigned until it is mended).
struct WitnessAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // On 200: the log cosigned and the size it is now cosigned at.
  std::string origin;
  uint64_t cosigned_size = 0;
};

class Witness {
 public:
  // The witness of the archive at `data_dir`, named `name` (a schema-less
  // URL, e.g. "<origin>/witness"): its key loaded or made, its state folder
  // made. Errors: the Env's; FAILED_PRECONDITION for damaged key files.
  static absl::StatusOr<std::unique_ptr<Witness>> Open(
      Env* env, const std::string& data_dir, const std::string& name);

  // The cosigner verifier key "<name>+<id>+<base64(0x04 || key)>".
  std::string VerifierKey() const;

  // POST add-checkpoint with `body`, for the logs whose keys `logs` holds.
  WitnessAnswer AddCheckpoint(absl::string_view body, const TrustStore& logs);

  // Per origin, the size of the latest checkpoint cosigned (for metrics).
  std::map<std::string, uint64_t> CosignedSizes();
  // Requests refused as evidence of misbehaviour since start.
  uint64_t evidence_count() const { return evidence_count_; }

 private:
  Witness(Env* env, std::string dir, std::unique_ptr<SigningKey> key)
      : env_(env), dir_(std::move(dir)), key_(std::move(key)) {}
  std::string StatePath(const std::string& origin) const;
  // The latest checkpoint of `origin` cosigned; size 0 if none ever was.
  // DATA_LOSS naming the file if it is damaged (or holds another origin's);
  // the Env's error, naming it, if it cannot be read. Either refuses.
  absl::StatusOr<Checkpoint> ReadState(const std::string& origin)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void KeepEvidence(const std::string& origin, absl::string_view why,
                    absl::string_view body);

  Env* env_;
  std::string dir_;  // DATA_DIR/witness
  std::unique_ptr<SigningKey> key_;
  absl::Mutex mu_;  // check-and-persist, for every origin
  std::atomic<uint64_t> evidence_count_{0};
};

}  // namespace archive

#endif  // ARCHIVE_STORAGE_WITNESS_WITNESS_H_
