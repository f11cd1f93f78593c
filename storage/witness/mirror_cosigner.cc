#include "storage/witness/mirror_cosigner.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "storage/format/cosignature.h"
#include "storage/format/signed_note.h"
#include "storage/witness/cosigner_key.h"

namespace archive {

absl::StatusOr<std::unique_ptr<MirrorCosigner>> MirrorCosigner::Open(
    Env* env, const std::string& data_dir, const std::string& name) {
  auto key = LoadOrMakeCosignerKey(env, data_dir, "mirror", name);
  if (!key.ok()) return key.status();
  return std::unique_ptr<MirrorCosigner>(
      new MirrorCosigner(env, std::move(*key)));
}

std::string MirrorCosigner::VerifierKey() const {
  return CosignerVerifierKey(*key_);
}

absl::StatusOr<std::string> MirrorCosigner::Cosigned(
    const std::string& mirror_checkpoint) {
  auto note = ParseNote(mirror_checkpoint);
  if (!note.ok()) return note.status();
  // The peer may serve its checkpoint with this mirror's line already on it
  // (collected by the peer, mirror_collector.h): one line per cosigner.
  const uint32_t id =
      NoteKeyId(key_->name(), kCosignatureV1Type, key_->public_key());
  auto& sigs = note->signatures;
  sigs.erase(std::remove_if(sigs.begin(), sigs.end(),
                            [&](const NoteSignature& s) {
                              return s.key_name == key_->name() &&
                                     s.key_id == id;
                            }),
             sigs.end());
  const std::string origin = note->text.substr(0, note->text.find('\n'));
  absl::MutexLock lock(&mu_);
  auto& [cosigned_text, line] = lines_[origin];
  if (cosigned_text != note->text) {
    const uint64_t now = static_cast<uint64_t>(env_->NowSeconds());
    line = FormatSignatureLine(Cosign(*key_, now, note->text));
    cosigned_text = note->text;
  }
  return absl::StrCat(FormatNote(*note), line);
}

}  // namespace archive
