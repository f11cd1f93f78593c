#include "services/sync/content_fetcher.h"

#include "absl/strings/str_cat.h"

namespace archive {

absl::StatusOr<std::shared_ptr<const VerifiedBlob>> ContentFetcher::Ensure(
    const Statement& st, const std::string* inline_content) {
  // The same content named again before it was written: written with both.
  if (auto it = sealed_.find(st.content_sha256); it != sealed_.end())
    return it->second;
  if (archive_->blobs().Contains(st.content_sha256)) return nullptr;
  auto writer = archive_->blobs().NewWriter(st.content_sha256, st.content_size);
  if (!writer.ok()) return writer.status();
  auto append = [&](absl::string_view chunk) {
    if ((*writer)->size() + chunk.size() > st.content_size) {
      return absl::DataLossError(
          absl::StrCat("peer sent more than the ", st.content_size,
                       " bytes of sha256:", st.content_sha256));
    }
    return (*writer)->Append(chunk);
  };
  absl::Status s = inline_content != nullptr
                       ? append(*inline_content)
                       : client_->GetBlob(st.content_sha256, append);
  if (!s.ok()) return s;
  auto sealed = (*writer)->Seal(st.content_sha256, st.content_size);
  if (!sealed.ok()) {
    return absl::DataLossError(
        absl::StrCat("peer served content for sha256:", st.content_sha256,
                     " that does not match it: ", sealed.status().message()));
  }
  blobs_fetched_++;
  bytes_fetched_ += st.content_size;
  if (*sealed != nullptr) sealed_[st.content_sha256] = *sealed;
  return sealed;
}

}  // namespace archive
