#include "tests/integration/hostile_proxy.h"

#include <gtest/gtest.h>

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/api/archive_client.h"
#include "storage/format/signed_note.h"
#include "storage/verify/proof_verifier.h"

namespace archive::testing {
namespace {

const char* const kLieNames[kLieCount] = {"None",
                                          "OtherDocument",
                                          "OtherRevision",
                                          "Relabel",
                                          "OtherStatement",
                                          "OtherContent",
                                          "OtherInlineContent",
                                          "StaleCheckpoint",
                                          "ForkedCheckpoint",
                                          "AlteredCheckpoint",
                                          "AlteredInclusion",
                                          "SwappedInclusion",
                                          "AlteredConsistency",
                                          "SwappedConsistency",
                                          "HistoryDropped",
                                          "HistoryReordered",
                                          "HistoryForeign"};

constexpr char kForgedTitle[] = "a title the archive never signed";

void FlipFirstHash(google::protobuf::RepeatedPtrField<std::string>* hashes) {
  if (hashes->empty() || hashes->Get(0).empty()) return;
  std::string* hash = hashes->Mutable(0);
  (*hash)[0] = static_cast<char>((*hash)[0] ^ 1);
}

void Relabel(v1::Revision* r) {
  r->mutable_metadata()->set_title(kForgedTitle);
  r->mutable_metadata()->set_status("repealed");
}

}  // namespace

const char* LieName(Lie lie) { return kLieNames[static_cast<int>(lie)]; }

HostileProxy::HostileProxy(const std::string& upstream, const SigningKey* key)
    : stub_(v1::Archive::NewStub(ArchiveClient::Dial(upstream))), key_(key) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port_);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
}

HostileProxy::~HostileProxy() {
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

std::string HostileProxy::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

void HostileProxy::Tell(LieScript script) {
  std::lock_guard<std::mutex> lock(mu_);
  script_ = std::move(script);
}

LieScript HostileProxy::script() const {
  std::lock_guard<std::mutex> lock(mu_);
  return script_;
}

grpc::Status HostileProxy::UpstreamGet(const v1::GetRequest& request,
                                       v1::GetHeader* header,
                                       std::vector<std::string>* chunks) {
  grpc::ClientContext up;
  auto reader = stub_->Get(&up, request);
  v1::GetResponse message;
  while (reader->Read(&message)) {
    if (message.has_header()) {
      *header = message.header();
      if (header->has_content()) chunks->push_back(header->content());
      header->clear_content();
    } else {
      chunks->push_back(message.chunk());
    }
  }
  return reader->Finish();
}

std::string HostileProxy::LieAboutCheckpoint(const LieScript& s,
                                             const std::string& note) const {
  if (s.lie == Lie::kStaleCheckpoint) return s.stale_checkpoint;
  if (s.lie != Lie::kAlteredCheckpoint && s.lie != Lie::kForkedCheckpoint)
    return note;
  auto parsed = ParseNote(note);
  if (!parsed.ok()) return note;
  auto cp = ParseCheckpoint(parsed->text);
  if (!cp.ok()) return note;
  cp->root_hash[0] = static_cast<char>(cp->root_hash[0] ^ 1);
  std::string text = FormatCheckpoint(*cp);
  // Forked: signed anew with the archive's own key. Altered: the old
  // signature lines kept, so only a signature check notices.
  if (s.lie == Lie::kForkedCheckpoint) return key_->SignNote(text);
  return text + note.substr(parsed->text.size());
}

void HostileProxy::LieAboutReceipt(const LieScript& s,
                                   const v1::GetRequest& asked,
                                   v1::Receipt* receipt) {
  receipt->set_checkpoint(LieAboutCheckpoint(s, receipt->checkpoint()));
  if (s.lie == Lie::kAlteredInclusion) {
    FlipFirstHash(receipt->mutable_inclusion()->mutable_hashes());
  }
  if (asked.revision_id() == s.other_revision) return;
  if (s.lie == Lie::kOtherStatement) {
    grpc::ClientContext up;
    v1::GetStatementRequest request;
    request.set_revision_id(s.other_revision);
    v1::GetStatementResponse other;
    if (stub_->GetStatement(&up, request, &other).ok())
      receipt->set_signed_statement(other.signed_statement());
  }
  if (s.lie == Lie::kSwappedInclusion) {
    grpc::ClientContext up;
    v1::GetInclusionProofRequest request;
    request.set_revision_id(s.other_revision);
    request.set_tree_size(receipt->inclusion().tree_size());
    v1::GetInclusionProofResponse other;
    if (stub_->GetInclusionProof(&up, request, &other).ok())
      *receipt->mutable_inclusion() = other.proof();
  }
}

absl::StatusOr<std::string> HostileProxy::HeadOf(const std::string& doc) {
  grpc::ClientContext ctx;
  v1::HistoryRequest request;
  request.set_document_id(doc);
  v1::HistoryResponse history;
  if (!stub_->History(&ctx, request, &history).ok() ||
      history.revisions_size() == 0) {
    return absl::NotFoundError(doc);
  }
  return history.revisions(0).revision_id();
}

grpc::Status HostileProxy::Get(grpc::ServerContext*,
                               const v1::GetRequest* request,
                               grpc::ServerWriter<v1::GetResponse>* writer) {
  LieScript s = script();
  const bool substitute = request->revision_id() != s.other_revision;
  v1::GetRequest up = *request;
  if (s.lie == Lie::kOtherDocument) {
    up.set_document_id(s.other_document);
    up.clear_revision_id();
  }
  if (s.lie == Lie::kOtherRevision && substitute) {
    up.set_revision_id(s.other_revision);
    up.set_head(false);
  }
  v1::GetHeader header;
  std::vector<std::string> chunks;
  if (grpc::Status st = UpstreamGet(up, &header, &chunks); !st.ok()) return st;
  v1::Revision* r = header.mutable_revision();
  // The ids stay genuine: only the unsigned document label is changed, as a
  // proxy would that expects the client to compare ids but not documents.
  if (s.lie == Lie::kOtherDocument) r->set_document_id(request->document_id());
  if (s.lie == Lie::kRelabel) Relabel(r);
  const bool other_content =
      s.lie == Lie::kOtherContent || s.lie == Lie::kOtherInlineContent;
  if (other_content && substitute && !request->header_only()) {
    v1::GetRequest other = *request;
    other.set_revision_id(s.other_revision);
    v1::GetHeader ignored;
    chunks.clear();
    if (grpc::Status st = UpstreamGet(other, &ignored, &chunks); !st.ok())
      return st;
  }
  LieAboutReceipt(s, *request, header.mutable_receipt());
  // Answered as the client asked, except that kOtherContent always streams.
  std::string content = absl::StrJoin(chunks, "");
  if (content.size() <= request->inline_max_bytes() &&
      s.lie != Lie::kOtherContent && !request->header_only()) {
    header.set_content(std::move(content));
    chunks.clear();
  }
  v1::GetResponse message;
  *message.mutable_header() = header;
  if (!writer->Write(message)) return grpc::Status::CANCELLED;
  for (const std::string& chunk : chunks) {
    message.set_chunk(chunk);
    if (!writer->Write(message)) return grpc::Status::CANCELLED;
  }
  return grpc::Status::OK;
}

grpc::Status HostileProxy::History(grpc::ServerContext*,
                                   const v1::HistoryRequest* request,
                                   v1::HistoryResponse* response) {
  LieScript s = script();
  v1::HistoryRequest up = *request;
  if (s.lie == Lie::kOtherDocument) up.set_document_id(s.other_document);
  grpc::ClientContext ctx;
  if (grpc::Status st = stub_->History(&ctx, up, response); !st.ok()) return st;
  auto* revisions = response->mutable_revisions();
  if (s.lie == Lie::kOtherDocument) {
    for (v1::Revision& r : *revisions)
      r.set_document_id(request->document_id());
  }
  if (s.lie == Lie::kRelabel && !revisions->empty()) Relabel(&(*revisions)[0]);
  if (s.lie == Lie::kHistoryDropped && revisions->size() >= 3) {
    revisions->erase(revisions->begin() + 1);
  }
  if (s.lie == Lie::kHistoryReordered && revisions->size() >= 2) {
    revisions->SwapElements(0, 1);
  }
  if (s.lie == Lie::kHistoryForeign) {
    grpc::ClientContext other_ctx;
    v1::HistoryRequest other_request;
    other_request.set_document_id(s.other_document);
    v1::HistoryResponse other;
    if (stub_->History(&other_ctx, other_request, &other).ok() &&
        other.revisions_size() > 0) {
      *revisions->Add() = other.revisions(0);
      for (int i = revisions->size() - 1; i > 1; --i)
        revisions->SwapElements(i, i - 1);
    }
  }
  return grpc::Status::OK;
}

grpc::Status HostileProxy::List(grpc::ServerContext*,
                                const v1::ListRequest* request,
                                v1::ListResponse* response) {
  grpc::ClientContext up;
  return stub_->List(&up, *request, response);
}

grpc::Status HostileProxy::GetStatement(grpc::ServerContext*,
                                        const v1::GetStatementRequest* request,
                                        v1::GetStatementResponse* response) {
  LieScript s = script();
  v1::GetStatementRequest up = *request;
  if (s.lie == Lie::kOtherDocument) {
    auto head = HeadOf(s.other_document);
    if (!head.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "");
    up.set_revision_id(*head);
  }
  if (s.lie == Lie::kOtherStatement &&
      request->revision_id() != s.other_revision) {
    up.set_revision_id(s.other_revision);
  }
  grpc::ClientContext ctx;
  if (grpc::Status st = stub_->GetStatement(&ctx, up, response); !st.ok())
    return st;
  response->mutable_revision()->set_revision_id(request->revision_id());
  if (s.lie == Lie::kRelabel) Relabel(response->mutable_revision());
  return grpc::Status::OK;
}

grpc::Status HostileProxy::GetCheckpoint(
    grpc::ServerContext*, const v1::GetCheckpointRequest* request,
    v1::GetCheckpointResponse* response) {
  grpc::ClientContext up;
  if (grpc::Status st = stub_->GetCheckpoint(&up, *request, response);
      !st.ok()) {
    return st;
  }
  response->set_checkpoint(
      LieAboutCheckpoint(script(), response->checkpoint()));
  return grpc::Status::OK;
}

grpc::Status HostileProxy::GetInclusionProof(
    grpc::ServerContext*, const v1::GetInclusionProofRequest* request,
    v1::GetInclusionProofResponse* response) {
  LieScript s = script();
  v1::GetInclusionProofRequest up = *request;
  if (s.lie == Lie::kOtherDocument) {
    auto head = HeadOf(s.other_document);
    if (!head.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "");
    up.set_revision_id(*head);
  }
  if ((s.lie == Lie::kOtherRevision || s.lie == Lie::kSwappedInclusion) &&
      request->revision_id() != s.other_revision) {
    up.set_revision_id(s.other_revision);
  }
  grpc::ClientContext ctx;
  if (grpc::Status st = stub_->GetInclusionProof(&ctx, up, response); !st.ok())
    return st;
  if (s.lie == Lie::kAlteredInclusion)
    FlipFirstHash(response->mutable_proof()->mutable_hashes());
  response->set_checkpoint(LieAboutCheckpoint(s, response->checkpoint()));
  return grpc::Status::OK;
}

grpc::Status HostileProxy::GetConsistencyProof(
    grpc::ServerContext*, const v1::GetConsistencyProofRequest* request,
    v1::GetConsistencyProofResponse* response) {
  LieScript s = script();
  v1::GetConsistencyProofRequest up = *request;
  if (s.lie == Lie::kSwappedConsistency) {
    if (up.old_size() > 1) {
      up.set_old_size(up.old_size() - 1);
    } else if (up.new_size() > up.old_size() + 1) {
      up.set_old_size(up.old_size() + 1);
    }
  }
  grpc::ClientContext ctx;
  if (grpc::Status st = stub_->GetConsistencyProof(&ctx, up, response);
      !st.ok()) {
    return st;
  }
  if (s.lie == Lie::kSwappedConsistency)
    response->mutable_proof()->set_old_size(request->old_size());
  if (s.lie == Lie::kAlteredConsistency)
    FlipFirstHash(response->mutable_proof()->mutable_hashes());
  response->set_checkpoint(LieAboutCheckpoint(s, response->checkpoint()));
  return grpc::Status::OK;
}

grpc::Status HostileProxy::ReadLog(
    grpc::ServerContext*, const v1::ReadLogRequest* request,
    grpc::ServerWriter<v1::ReadLogResponse>* writer) {
  grpc::ClientContext up;
  auto reader = stub_->ReadLog(&up, *request);
  v1::ReadLogResponse entry;
  while (reader->Read(&entry)) {
    if (!writer->Write(entry)) {
      up.TryCancel();
      break;
    }
  }
  return reader->Finish();
}

grpc::Status HostileProxy::GetArchiveInfo(
    grpc::ServerContext*, const v1::GetArchiveInfoRequest* request,
    v1::GetArchiveInfoResponse* response) {
  grpc::ClientContext up;
  return stub_->GetArchiveInfo(&up, *request, response);
}

}  // namespace archive::testing
