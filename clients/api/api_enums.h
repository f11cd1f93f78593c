// The API's enums for a statement's words: LifecycleStatus for `status`,
// RelationKind for a relation's kind. The mapping is the enum value's name:
// after its prefix, lower case, '_' as '-' for relation kinds (statement.h
// keeps the words). One place, used by the server to fill and read requests
// and by the client to rebuild descriptions.
#ifndef ARCHIVE_CLIENTS_API_API_ENUMS_H_
#define ARCHIVE_CLIENTS_API_API_ENUMS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "archive/v1/archive.pb.h"

namespace archive {

// UNSPECIFIED for a word that names no value.
v1::LifecycleStatus LifecycleStatusOf(absl::string_view word);
v1::RelationKind RelationKindOf(absl::string_view word);
// "" for UNSPECIFIED and for numbers no value has.
std::string WordOf(v1::LifecycleStatus status);
std::string WordOf(v1::RelationKind kind);

// Clears the enums of `metadata`, a copy of a revision's description about
// to be edited by word (archivectl status, put --keep-metadata), so the words
// alone say what the new revision is.
void KeepWordsOnly(v1::Metadata* metadata);

// Makes the words of `metadata` (status, each relation's kind) say what its
// enums say, where only the enum was sent. INVALID_ARGUMENT naming the field
// for an enum number with no value, and for a word and an enum that disagree.
absl::Status ResolveEnums(v1::Metadata* metadata);
// The same for a ListRequest's status filter.
absl::Status ResolveEnums(v1::ListRequest* request);

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_API_API_ENUMS_H_
