// Fuzzes the checkpoint codec (clients/proof_verifier.h ParseCheckpoint and
// FormatCheckpoint).
//
// Each input is used three ways:
//  1. as checkpoint text: if ParseCheckpoint accepts it, FormatCheckpoint gives
//     back exactly the input (a checkpoint has one spelling);
//  2. as a signed checkpoint note: if it verifies under the test key, its text
//     is one of the two genuine checkpoints and parses;
//  3. as the fields of a checkpoint (FuzzedDataProvider): formatting and
//     parsing must give the same fields back if and only if the fields are
//     well-formed by the C2SP tlog-checkpoint rules, written out here
//     independently of the parser.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "storage/verify/note_verifier.h"
#include "storage/verify/proof_verifier.h"
#include "tests/fuzz/fuzz_support.h"

namespace archive {
namespace fuzz {
namespace {

void CheckParsedText(absl::string_view text) {
  absl::StatusOr<Checkpoint> cp = ParseCheckpoint(text);
  if (!cp.ok()) {
    FUZZ_CHECK(cp.status().code() == absl::StatusCode::kInvalidArgument,
               cp.status().ToString());
    return;
  }
  FUZZ_CHECK(cp->root_hash.size() == 32, Show(text));
  FUZZ_CHECK(!cp->origin.empty(), Show(text));
  FUZZ_CHECK(FormatCheckpoint(*cp) == text,
             Show(FormatCheckpoint(*cp)) + " != input " + Show(text));
}

void CheckSignedCheckpoint(absl::string_view note) {
  absl::StatusOr<std::string> text = VerifyNote(note, TestVerifierKey());
  if (!text.ok()) return;
  FUZZ_CHECK(*text == kCheckpoint4Text || *text == kCheckpoint7Text,
             "forged checkpoint accepted: " + Show(note));
  absl::StatusOr<Checkpoint> cp = ParseCheckpoint(*text);
  FUZZ_CHECK(
      cp.ok() && cp->origin == kKeyName && FormatCheckpoint(*cp) == *text,
      Show(note));
}

// Extension lines: none, or non-empty lines each ending in "\n".
bool WellFormedExtensions(absl::string_view ext) {
  if (ext.empty()) return true;
  return ext.back() == '\n' && ext.front() != '\n' &&
         !absl::StrContains(ext, "\n\n");
}

void CheckFormattedFields(FuzzedDataProvider& fdp) {
  Checkpoint cp;
  cp.origin = fdp.ConsumeRandomLengthString(64);
  cp.size = fdp.ConsumeIntegral<uint64_t>();
  cp.root_hash = fdp.ConsumeBytesAsString(
      fdp.ConsumeBool() ? 32 : fdp.ConsumeIntegralInRange<size_t>(0, 40));
  cp.extensions = fdp.ConsumeRemainingBytesAsString();
  const bool well_formed =
      !cp.origin.empty() && !absl::StrContains(cp.origin, '\n') &&
      cp.root_hash.size() == 32 && WellFormedExtensions(cp.extensions);
  const std::string text = FormatCheckpoint(cp);
  absl::StatusOr<Checkpoint> parsed = ParseCheckpoint(text);
  const bool same_fields =
      parsed.ok() && parsed->origin == cp.origin && parsed->size == cp.size &&
      parsed->root_hash == cp.root_hash && parsed->extensions == cp.extensions;
  // Ill-formed fields may well format to some other, valid checkpoint (an
  // origin with a newline in it, say), but never read back as themselves.
  FUZZ_CHECK(same_fields == well_formed,
             parsed.status().ToString() + " for " + Show(text));
}

}  // namespace
}  // namespace fuzz
}  // namespace archive

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  archive::fuzz::CheckParsedText(input);
  archive::fuzz::CheckSignedCheckpoint(input);
  FuzzedDataProvider fdp(data, size);
  archive::fuzz::CheckFormattedFields(fdp);
  return 0;
}
