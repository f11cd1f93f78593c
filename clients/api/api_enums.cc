#include "clients/api/api_enums.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "storage/base/error_detail.h"

namespace archive {
namespace {

// The word of enum value `number` of `type`, whose values share `prefix`.
std::string Word(const google::protobuf::EnumDescriptor* type, int number,
                 absl::string_view prefix, bool dashes) {
  const google::protobuf::EnumValueDescriptor* value =
      type->FindValueByNumber(number);
  if (value == nullptr || number == 0) return "";
  std::string word = absl::AsciiStrToLower(value->name().substr(prefix.size()));
  return dashes ? absl::StrReplaceAll(word, {{"_", "-"}}) : word;
}

int Number(const google::protobuf::EnumDescriptor* type, absl::string_view word,
           absl::string_view prefix) {
  std::string name = absl::StrCat(
      prefix, absl::AsciiStrToUpper(absl::StrReplaceAll(word, {{"-", "_"}})));
  const google::protobuf::EnumValueDescriptor* value =
      type->FindValueByName(name);
  return value == nullptr ? 0 : value->number();
}

constexpr absl::string_view kStatusPrefix = "LIFECYCLE_STATUS_";
constexpr absl::string_view kKindPrefix = "RELATION_KIND_";

// Sets `*word` from `number` if only the number was given; checks they agree.
absl::Status Resolve(const std::string& field, const std::string& enum_field,
                     int number, const std::string& from_number,
                     std::string* word) {
  if (number == 0) return absl::OkStatus();
  if (from_number.empty()) {
    return InvalidFieldError(
        enum_field, absl::StrCat(enum_field, ": ", number,
                                 " is not a value this archive knows"));
  }
  if (!word->empty() && *word != from_number) {
    return InvalidFieldError(
        enum_field,
        absl::StrCat(field, " \"", *word, "\" and ", enum_field, " (",
                     from_number, ") disagree: send one, or the same"));
  }
  *word = from_number;
  return absl::OkStatus();
}

}  // namespace

v1::LifecycleStatus LifecycleStatusOf(absl::string_view word) {
  return static_cast<v1::LifecycleStatus>(
      Number(v1::LifecycleStatus_descriptor(), word, kStatusPrefix));
}

v1::RelationKind RelationKindOf(absl::string_view word) {
  return static_cast<v1::RelationKind>(
      Number(v1::RelationKind_descriptor(), word, kKindPrefix));
}

std::string WordOf(v1::LifecycleStatus status) {
  return Word(v1::LifecycleStatus_descriptor(), status, kStatusPrefix, false);
}

std::string WordOf(v1::RelationKind kind) {
  return Word(v1::RelationKind_descriptor(), kind, kKindPrefix, true);
}

void KeepWordsOnly(v1::Metadata* m) {
  m->clear_lifecycle();
  for (v1::Relation& r : *m->mutable_relations()) r.clear_type();
}

absl::Status ResolveEnums(v1::Metadata* m) {
  absl::Status s = Resolve("status", "lifecycle", m->lifecycle(),
                           WordOf(m->lifecycle()), m->mutable_status());
  for (int i = 0; s.ok() && i < m->relations_size(); ++i) {
    v1::Relation* r = m->mutable_relations(i);
    s = Resolve(absl::StrCat("relations[", i, "].kind"),
                absl::StrCat("relations[", i, "].type"), r->type(),
                WordOf(r->type()), r->mutable_kind());
  }
  return s;
}

absl::Status ResolveEnums(v1::ListRequest* request) {
  return Resolve("status", "lifecycle", request->lifecycle(),
                 WordOf(request->lifecycle()), request->mutable_status());
}

}  // namespace archive
