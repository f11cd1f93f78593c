// The verifying client: everything archivectl shows or writes passes through
// here. A revision is accepted only if its statement is signed by its origin's
// trusted key, its checkpoint by the serving archive's trusted key, the
// statement is included in that checkpoint, the checkpoint extends the newest
// one this client saw from that archive, and the content hashes to the
// statement's digest. Anything else fails closed.
#ifndef ARCHIVE_CLIENTS_VERIFIED_FETCH_H_
#define ARCHIVE_CLIENTS_VERIFIED_FETCH_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "clients/archive_client.h"
#include "clients/known_archives.h"
#include "clients/receipt_checker.h"
#include "clients/trust_store.h"

namespace archive {

struct VerifyOptions {
  std::string trust_file;         // verifier key lines
  bool allow_trust_on_first_use;  // pin an unknown archive's key (not with
                                  // --trust)
  std::string seen_dir;           // newest checkpoint seen per origin
  // With trust on first use: the address talked to and the file pinning the
  // archive first met at each address (known_archives.h). Empty: no
  // per-address pinning.
  std::string server_address;
  std::string known_archives_file;
  // Messages the user should see (key pinned on first use), one line each.
  std::function<void(const std::string&)> notice;
};

ReceiptParts ReceiptFromProto(const v1::Receipt& receipt);

// OK iff `size` bytes hashing to `sha256_hex` are the content `statement`
// describes; DATA_LOSS naming both digests and sizes otherwise.
absl::Status CheckContentMatches(const Statement& statement,
                                 const std::string& sha256_hex, uint64_t size);

class VerifyingClient {
 public:
  static absl::StatusOr<VerifyingClient> Create(ArchiveClient* client,
                                                VerifyOptions options);

  // The server's latest checkpoint, verified and recorded as seen.
  absl::StatusOr<Checkpoint> LatestCheckpoint(std::string* note = nullptr);
  // Verifies a receipt (statement, checkpoint, inclusion, consistency with what
  // was seen) and records its checkpoint as seen.
  absl::StatusOr<VerifiedReceipt> VerifyReceipt(const v1::Receipt& receipt);

  // Fetches a revision into `out_path`, a path or "-" for stdout, through an
  // OutputFile (output_file.h): nothing reaches out_path before the content
  // and receipt verified, and a device or FIFO is written, never replaced.
  // With header_only set, writes nothing.
  absl::StatusOr<std::pair<v1::GetHeader, VerifiedReceipt>> Get(
      const v1::GetRequest& request, const std::string& out_path,
      const Progress& progress);
  // Fetches a revision's verified content into memory (for diff).
  absl::StatusOr<std::string> GetBytes(const v1::GetRequest& request);

  const TrustStore& trust() const { return trust_; }
  const VerifyOptions& options() const { return options_; }

 private:
  VerifyingClient(ArchiveClient* client, VerifyOptions options,
                  TrustStore trust, KnownArchives known)
      : client_(client),
        options_(std::move(options)),
        trust_(std::move(trust)),
        known_(std::move(known)) {}
  absl::Status EnsureTrusted(const std::string& checkpoint_note);
  bool PinsAddresses() const;
  absl::Status CheckAgainstSeen(const Checkpoint& cp, const std::string& note);
  absl::Status CheckContent(const VerifiedReceipt& receipt,
                            const v1::Revision& revision,
                            const std::string& sha256_hex, uint64_t size);

  ArchiveClient* client_;
  VerifyOptions options_;
  TrustStore trust_;
  KnownArchives known_;
};

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_VERIFIED_FETCH_H_
