// Shared by the fuzz targets: the known-answer vectors of
// tests/testdata/vectors (copied in, so a reproducer runs from the binary
// alone) and a CHECK that turns a broken property into a crash libFuzzer
// records.
#ifndef ARCHIVE_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define ARCHIVE_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "storage/base/hex.h"
#include "storage/format/signing_key.h"
#include "storage/verify/note_verifier.h"

namespace archive {
namespace fuzz {

inline constexpr absl::string_view kKeyName = "test.archive.example";
inline constexpr absl::string_view kSeedHex =
    "bfb6cb36ee2a9164047d5951cc8d28f9f779b1c424bdfda1ebb425b126b08a4e";
inline constexpr absl::string_view kVerifierKey =
    "test.archive.example+db157ac4+AdNpIZMmbyq/FXTj0jh1UJGxp/"
    "E8Ex93OPZQOdH56jKr";

// statement.txt (= leaf-0.txt).
inline constexpr absl::string_view kStatementText =
    "archive-revision/v1\n"
    "origin test.archive.example\n"
    "document gx-2022-guizhengfa-31\n"
    "content "
    "sha256:4ffcab5441bc6a27d4358b44a4a0b0adc778658ed6d73c2de81ef4be48b3d8f0 "
    "79\n"
    "media-type text/plain; charset=utf-8\n"
    "status in_force\n"
    "title 广西壮族自治区人民政府关于加强数字政府建设的实施意见\n"
    "issuer 广西壮族自治区人民政府\n"
    "number 桂政发〔2022〕31号\n"
    "region 广西\n"
    "date 2022-11-30\n"
    "submitted-by local\n"
    "submitted-at 2026-11-30T04:20:00Z\n"
    "note first release\n";

// The texts of checkpoint-4.note and checkpoint-7.note.
inline constexpr absl::string_view kCheckpoint4Text =
    "test.archive.example\n4\niUy56nOIYTKG36bn30oVdUYiGSTy4HSlkzheLbf9zRQ=\n";
inline constexpr absl::string_view kCheckpoint7Text =
    "test.archive.example\n7\nU/VMJgt70moF/X/efDhoEaY9u6DnEFcN9rEYMW/wea8=\n";

// The texts the test key has signed in the vectors. Nobody without the private
// key can make it sign anything else, so a note that verifies under the test
// key must carry one of these (or a text the target signed itself).
inline bool IsKnownSignedText(absl::string_view text) {
  return text == kStatementText || text == kCheckpoint4Text ||
         text == kCheckpoint7Text;
}

inline const VerifierKey& TestVerifierKey() {
  static const VerifierKey* key = VerifierKey::Parse(kVerifierKey)->release();
  return *key;
}

inline const SigningKey& TestSigningKey() {
  static const SigningKey* key =
      SigningKey::FromSeed(kKeyName, *FromHex(kSeedHex))->release();
  return *key;
}

[[noreturn]] inline void PropertyFailed(const char* file, int line,
                                        const char* condition,
                                        const std::string& detail) {
  std::fprintf(stderr, "%s:%d: property violated: %s\n%s\n", file, line,
               condition, detail.c_str());
  std::abort();
}

// Escapes bytes for a failure message.
inline std::string Show(absl::string_view bytes) {
  return "\"" + absl::CHexEscape(bytes) + "\"";
}

}  // namespace fuzz
}  // namespace archive

// Aborts (a crash to libFuzzer) unless `condition` holds; `detail` is a string
// expression evaluated only on failure.
#define FUZZ_CHECK(condition, detail)                                          \
  do {                                                                         \
    if (!(condition)) {                                                        \
      ::archive::fuzz::PropertyFailed(__FILE__, __LINE__, #condition, detail); \
    }                                                                          \
  } while (0)

#endif  // ARCHIVE_TESTS_FUZZ_FUZZ_SUPPORT_H_
