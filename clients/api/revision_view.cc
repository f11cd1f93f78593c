#include "clients/api/revision_view.h"

#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/str_cat.h"
#include "clients/api/api_enums.h"

namespace archive {

void RevisionToProto(const std::string& revision_id, const Statement& s,
                     const std::string& text, uint64_t leaf_index,
                     v1::Revision* out) {
  out->set_revision_id(revision_id);
  out->set_document_id(s.document);
  out->set_origin(s.origin);
  for (const std::string& p : s.parents) out->add_parents(p);
  out->set_sha256(s.content_sha256);
  out->set_size(s.content_size);
  v1::Metadata* m = out->mutable_metadata();
  m->set_title(s.title);
  m->set_issuer(s.issuer);
  m->set_number(s.number);
  m->set_region(s.region);
  m->set_date(s.date);
  m->set_source(s.source);
  m->set_status(s.status);
  m->set_lifecycle(LifecycleStatusOf(s.status));
  m->set_media_type(s.media_type);
  m->set_note(s.note);
  m->set_effective(s.effective);
  m->set_expires(s.expires);
  for (const Relation& r : s.relations) {
    v1::Relation* rel = m->add_relations();
    rel->set_kind(r.kind);
    rel->set_type(RelationKindOf(r.kind));
    rel->set_document_id(r.document);
  }
  out->set_submitted_by(s.submitted_by);
  out->set_submitted_at(s.submitted_at);
  out->set_statement(text);
  out->set_leaf_index(leaf_index);
}

v1::Revision RevisionFromStatement(const VerifiedStatement& verified,
                                   uint64_t leaf_index) {
  v1::Revision out;
  RevisionToProto(verified.revision_id, verified.statement, verified.text,
                  leaf_index, &out);
  return out;
}

absl::Status CheckDescription(const v1::Revision& described,
                              const v1::Revision& verified,
                              const std::string& what) {
  google::protobuf::util::MessageDifferencer differ;
  std::string report;
  differ.ReportDifferencesToString(&report);
  // An archive from before the API's enums sends only the words; the enums
  // say nothing the words do not, so they are compared where sent.
  v1::Revision expected = verified;
  if (described.metadata().lifecycle() == v1::LIFECYCLE_STATUS_UNSPECIFIED)
    expected.mutable_metadata()->clear_lifecycle();
  for (int i = 0; i < expected.metadata().relations_size() &&
                  i < described.metadata().relations_size();
       ++i) {
    if (described.metadata().relations(i).type() ==
        v1::RELATION_KIND_UNSPECIFIED)
      expected.mutable_metadata()->mutable_relations(i)->clear_type();
  }
  // Reported as changes from the signed revision to the described one.
  if (differ.Compare(expected, described)) return absl::OkStatus();
  // One line: the report lists each difference on its own line.
  std::string first = report.substr(0, report.find('\n'));
  return absl::DataLossError(
      absl::StrCat(what, " describes revision ", verified.revision_id(), " of ",
                   verified.document_id(),
                   " otherwise than its signed statement says: ", first));
}

}  // namespace archive
