// Helpers shared by the sync tests (sync_*_test.cc): an "office" is one real
// archived with its own data directory, origin, key and trust file, plus an
// archivectl pointed at it; and small checks on what archivectl prints.
#ifndef ARCHIVE_TESTS_INTEGRATION_SYNC_TEST_UTIL_H_
#define ARCHIVE_TESTS_INTEGRATION_SYNC_TEST_UTIL_H_

#include <httplib.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "archive/v1/archive.pb.h"
#include "nlohmann/json.hpp"
#include "tests/integration/test_harness.h"

namespace archive::testing {

std::string BytesSha256(const std::string& bytes);

class Office {
 public:
  struct Options {
    std::string origin;
    // Empty: a fresh data directory under the office's own temp dir.
    std::string data_dir;
    // Extra archived flags (--trust is always given: the office's trust file).
    std::vector<std::string> extra_flags;
    int port = 0;  // 0: a free port
  };
  // Starts archived with an empty trust file; trust others with Trust().
  static std::unique_ptr<Office> Start(Options options);
  static std::unique_ptr<Office> Start(const std::string& origin) {
    return Start(Options{origin, "", {}, 0});
  }

  TestServer& server() { return *server_; }
  const std::string& address() const { return server_->address(); }
  const std::string& origin() const { return origin_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& trust_path() const { return trust_path_; }
  // The one-line verifier key from DATA_DIR/keys/verifier.key.
  const std::string& verifier_key() const { return verifier_key_; }
  // A scratch directory that lives as long as the office.
  const std::string& scratch() const { return dir_->path(); }

  // Rewrites this office's trust file to hold exactly these offices' keys.
  // archived re-reads it before every pull, so no restart is needed.
  void Trust(const std::vector<const Office*>& offices);

  // archivectl --server <this office> ARGS.
  ProcessResult Ctl(const std::vector<std::string>& args) const;
  // archivectl sync PEER --json against this office.
  ProcessResult Sync(const std::string& peer_address) const;
  // Sync that must succeed; returns its JSON report (discarded on failure).
  Json SyncOk(const std::string& peer_address) const;

  // Puts a file (archivectl put --json); returns the new revision id.
  std::string Put(const std::string& path, const std::string& doc,
                  const std::vector<std::string>& extra = {}) const;
  // Puts bytes (written to a scratch file first); returns the revision id.
  std::string PutText(const std::string& doc, const std::string& text,
                      const std::vector<std::string>& extra = {}) const;

  // ls --json: document id -> summary.
  Json List() const;
  std::set<std::string> DocumentIds() const;
  // history --json of one document.
  Json History(const std::string& doc) const;
  // The latest checkpoint's tree size, from the server directly.
  uint64_t TreeSize() const;
  // Every revision id in this office's log, in log order (ReadLog).
  std::vector<std::string> LogRevisionIds() const;
  // The server's log, for assertion messages.
  std::string Log() const { return server_->log(); }
  // Path the blob store would keep this digest's bytes under.
  std::string BlobPath(const std::string& sha256_hex) const;

 private:
  Office() = default;
  std::unique_ptr<TempDir> dir_;
  std::string origin_, data_dir_, trust_path_, verifier_key_;
  std::unique_ptr<TestServer> server_;
  std::unique_ptr<Cli> cli_;
};

// An office that witnesses others (POST /witness/add-checkpoint on its HTTP
// listener) and asks the witnesses its witnesses file lists (issue 16).
struct WitnessedOffice {
  std::unique_ptr<Office> office;
  int http_port = 0;
  std::string witnesses_file;       // whom it asks
  std::string witness_key() const;  // DATA_DIR/keys/witness.vkey
  std::string witness_url() const;  // its submission prefix
  std::string mirror_key() const;   // DATA_DIR/keys/mirror.vkey
  std::string mirror_url() const;   // its mirror's monitoring prefix
};

// Starts `origin` with an HTTP listener and --witnesses=<a file under `dir`>
// holding `witness_lines` (archived reads it again when it changes).
WitnessedOffice StartWitnessedOffice(
    const std::string& origin, const TempDir& dir,
    const std::vector<std::string>& extra_flags = {},
    const std::string& witness_lines = "");

// The "witness <key> <url>" lines asking `witnesses`.
std::string WitnessLines(const std::vector<const WitnessedOffice*>& witnesses);
// `office` asks `witnesses` from now on.
void AskWitnesses(const WitnessedOffice& office,
                  const std::vector<const WitnessedOffice*>& witnesses);

// A witness policy file under `dir`: `lines` (e.g. "witness <key>") then
// "quorum <k>".
std::string PolicyFile(const TempDir& dir, const std::string& name,
                       const std::vector<std::string>& lines, int quorum);

httplib::Result HttpGet(int port, const std::string& path);
httplib::Result HttpPost(int port, const std::string& path,
                         const std::string& body);

// Signature lines ("— name sig") in a signed note.
int SignatureLines(const std::string& note);

// The office's served checkpoint once it has `size` entries and `cosigs`
// cosignatures (within 20 s), or the last one served.
std::string AwaitCosigned(const WitnessedOffice& o, uint64_t size, int cosigs);

// tests/integration/check_cosignatures.py's report on `note` (written from
// the C2SP specs, independent of the project's verifier): the log's signature
// by `log_vkey` and the cosignatures by `cosigner_keys`. Fails the test (and
// returns null) if the checker exits non-zero.
Json CheckCosignatures(const std::string& note, const std::string& log_vkey,
                       const std::vector<std::string>& cosigner_keys,
                       const std::string& scratch);

// A file holding these offices' verifier keys, for archivectl --trust (which
// then fails closed on any other key).
std::string WriteTrustFile(const std::string& path,
                           const std::vector<const Office*>& offices);

// Flips one byte of a file in place (bit rot).
void FlipByte(const std::string& path, long offset);

// True if `text` contains every one of `parts` (case-sensitive).
bool ContainsAll(const std::string& text,
                 const std::vector<std::string>& parts);

}  // namespace archive::testing

#endif  // ARCHIVE_TESTS_INTEGRATION_SYNC_TEST_UTIL_H_
