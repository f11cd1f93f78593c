// A put ready to Commit: its content sealed by the archive's own blob store
// (inline, or a temp file committed with the revision), shared by the storage
// tests that need a revision and do not care how it is made.
#ifndef ARCHIVE_TESTS_UNIT_STORAGE_DB_SEALED_PUT_H_
#define ARCHIVE_TESTS_UNIT_STORAGE_DB_SEALED_PUT_H_

#include <gtest/gtest.h>

#include <string>

#include "storage/base/sha256.h"
#include "storage/db/archive.h"

namespace archive {
namespace testing_util {

// A text/plain, in-force revision of `document` by "local" with `content`.
// A failure to seal is a test failure; the put then carries no content.
inline NewRevision SealedPut(Archive& archive, const std::string& document,
                             const std::string& content) {
  NewRevision put;
  Statement& s = put.statement;
  s.document = document;
  s.content_sha256 = Sha256::HexDigest(content);
  s.content_size = content.size();
  s.media_type = "text/plain; charset=utf-8";
  s.status = "in_force";
  s.submitted_by = "local";
  auto writer = archive.blobs().NewWriter(content.size());
  EXPECT_TRUE(writer.ok()) << writer.status();
  if (!writer.ok()) return put;
  EXPECT_TRUE((*writer)->Append(content).ok());
  auto sealed = (*writer)->Seal(s.content_sha256, s.content_size);
  EXPECT_TRUE(sealed.ok()) << sealed.status();
  if (sealed.ok()) put.content = *sealed;
  return put;
}

}  // namespace testing_util
}  // namespace archive

#endif  // ARCHIVE_TESTS_UNIT_STORAGE_DB_SEALED_PUT_H_
