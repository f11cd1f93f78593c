// VerifyingClient's reads besides Get: history, statements and proofs. Each
// checks that the answer is the one asked for, against what is signed.
#include "absl/strings/str_cat.h"
#include "clients/api/history_check.h"
#include "clients/api/revision_view.h"
#include "clients/api/verified_fetch.h"
#include "storage/format/merkle.h"
#include "storage/format/signed_note.h"

namespace archive {
namespace {

std::vector<std::string> Hashes(
    const google::protobuf::RepeatedPtrField<std::string>& hashes) {
  return std::vector<std::string>(hashes.begin(), hashes.end());
}

}  // namespace

absl::StatusOr<v1::Revision> VerifyingClient::IncludedRevision(
    const std::string& doc, const v1::Revision& listed) {
  v1::GetRequest request;
  request.set_document_id(doc);
  request.set_revision_id(listed.revision_id());
  request.set_header_only(true);
  auto header =
      client_->Get(request, [](absl::string_view) { return absl::OkStatus(); });
  if (!header.ok()) return header.status();
  const v1::Receipt& receipt = header->receipt();
  if (absl::Status s = EnsureTrusted(receipt.checkpoint()); !s.ok()) return s;
  auto cp = ReceiptChecker(&trust_).CheckCheckpoint(receipt.checkpoint());
  if (!cp.ok()) return cp.status();
  auto note = ParseNote(receipt.signed_statement());
  if (!note.ok() || note->text != listed.statement()) {
    return absl::DataLossError(
        absl::StrCat("the archive's receipt for ", listed.revision_id(),
                     " carries another statement than its history lists"));
  }
  const v1::InclusionProof& proof = receipt.inclusion();
  if (absl::Status s =
          CheckRootAt(proof.tree_size(),
                      RootFromInclusionProof(
                          proof.leaf_index(), proof.tree_size(),
                          MerkleLeafHash(note->text), Hashes(proof.hashes()))
                          .value_or(""),
                      *cp);
      !s.ok()) {
    return absl::DataLossError(absl::StrCat(
        "inclusion proof of ", listed.revision_id(), ": ", s.message()));
  }
  if (absl::Status s = CheckAgainstSeen(*cp, receipt.checkpoint()); !s.ok())
    return s;
  v1::Revision included = listed;
  included.set_leaf_index(proof.leaf_index());
  return included;
}

absl::StatusOr<v1::HistoryResponse> VerifyingClient::History(
    const std::string& doc, std::set<std::string>* untrusted_origins) {
  auto history = client_->FullHistory(doc);
  if (!history.ok()) return history.status();
  if (absl::Status s = CheckHistory(doc, *history); !s.ok()) return s;
  for (v1::Revision& listed : *history->mutable_revisions()) {
    absl::StatusOr<v1::Revision> verified;
    if (trust_.Find(listed.origin()) == nullptr) {
      verified = IncludedRevision(doc, listed);
      if (untrusted_origins != nullptr)
        untrusted_origins->insert(listed.origin());
    } else {
      v1::GetRequest request;
      request.set_document_id(doc);
      request.set_revision_id(listed.revision_id());
      request.set_header_only(true);
      auto fetched = Get(request, "", nullptr);
      if (!fetched.ok()) return fetched.status();
      // Described from its signed statement and verified leaf index.
      verified = fetched->first.revision();
    }
    if (!verified.ok()) return verified.status();
    if (absl::Status s = CheckDescription(
            listed, *verified, absl::StrCat("the archive's history of ", doc));
        !s.ok()) {
      return s;
    }
    listed = std::move(*verified);
  }
  return history;
}

absl::StatusOr<v1::GetStatementResponse> VerifyingClient::Statement(
    const std::string& revision_id) {
  auto reply = client_->GetStatement(revision_id);
  if (!reply.ok()) return reply.status();
  auto verified =
      ReceiptChecker(&trust_).CheckStatement(reply->signed_statement());
  if (!verified.ok()) return verified.status();
  if (absl::Status s = CheckNamesWhatWasAsked({"", revision_id}, *verified);
      !s.ok()) {
    return s;
  }
  // The leaf index is the server's word: no inclusion proof comes with it.
  v1::Revision signed_view =
      RevisionFromStatement(*verified, reply->revision().leaf_index());
  if (absl::Status s = CheckDescription(reply->revision(), signed_view,
                                        "the archive's statement answer");
      !s.ok()) {
    return s;
  }
  *reply->mutable_revision() = std::move(signed_view);
  return reply;
}

absl::Status VerifyingClient::CheckRootAt(uint64_t size,
                                          const std::string& root,
                                          const Checkpoint& latest) {
  if (size == latest.size) {
    if (root == latest.root_hash) return absl::OkStatus();
    return absl::DataLossError(absl::StrCat(
        "the proof leads to another root than the checkpoint of size ",
        latest.size, " signed by ", latest.origin));
  }
  auto proof = client_->GetConsistencyProof(size, latest.size);
  if (!proof.ok()) return proof.status();
  if (absl::Status s =
          VerifyConsistency(size, latest.size, root, latest.root_hash,
                            Hashes(proof->proof().hashes()));
      !s.ok()) {
    return absl::DataLossError(
        absl::StrCat("the tree of size ", size,
                     " the proof leads to is not a prefix of "
                     "the checkpoint of size ",
                     latest.size, ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> VerifyingClient::RootAt(uint64_t size,
                                                    const Checkpoint& latest) {
  if (size == latest.size) return latest.root_hash;
  // The last entry of the smaller tree with its audit path gives that tree's
  // root; the consistency proof then ties the root to the signed one.
  std::string root;
  absl::Status read =
      client_->ReadLog(size - 1, size, [&](const v1::ReadLogResponse& entry) {
        if (entry.index() != size - 1) return absl::OkStatus();
        auto note = ParseNote(entry.signed_statement());
        if (!note.ok()) return note.status();
        auto computed =
            RootFromInclusionProof(size - 1, size, MerkleLeafHash(note->text),
                                   Hashes(entry.inclusion()));
        if (!computed.ok()) return computed.status();
        root = *computed;
        return absl::OkStatus();
      });
  if (!read.ok()) return read;
  if (root.empty()) {
    return absl::DataLossError(
        absl::StrCat("the archive sent no log entry ", size - 1));
  }
  if (absl::Status s = CheckRootAt(size, root, latest); !s.ok()) return s;
  return root;
}

absl::StatusOr<v1::InclusionProof> VerifyingClient::InclusionProof(
    const std::string& revision_id, uint64_t tree_size) {
  auto latest = LatestCheckpoint();
  if (!latest.ok()) return latest.status();
  uint64_t size = tree_size == 0 ? latest->size : tree_size;
  if (size > latest->size) {
    return absl::OutOfRangeError(absl::StrCat("tree size ", size,
                                              " is beyond the archive's latest "
                                              "checkpoint (size ",
                                              latest->size, ")"));
  }
  auto statement = Statement(revision_id);
  if (!statement.ok()) return statement.status();
  auto reply = client_->GetInclusionProof(revision_id, tree_size);
  if (!reply.ok()) return reply.status();
  const v1::InclusionProof& proof = reply->proof();
  if (proof.tree_size() != size) {
    return absl::DataLossError(
        absl::StrCat("asked for a proof in the tree of size ", size,
                     " but the archive sent one for size ", proof.tree_size()));
  }
  auto root =
      RootFromInclusionProof(proof.leaf_index(), size,
                             MerkleLeafHash(statement->revision().statement()),
                             Hashes(proof.hashes()));
  if (!root.ok()) {
    return absl::DataLossError(absl::StrCat(
        "the inclusion proof of ", revision_id, ": ", root.status().message()));
  }
  if (absl::Status s = CheckRootAt(size, *root, *latest); !s.ok()) {
    return absl::DataLossError(absl::StrCat("the inclusion proof of ",
                                            revision_id,
                                            " does not verify: ", s.message()));
  }
  return proof;
}

absl::StatusOr<v1::ConsistencyProof> VerifyingClient::ConsistencyProof(
    uint64_t old_size, uint64_t new_size) {
  auto latest = LatestCheckpoint();
  if (!latest.ok()) return latest.status();
  uint64_t size = new_size == 0 ? latest->size : new_size;
  if (size > latest->size || old_size > size) {
    return absl::OutOfRangeError(absl::StrCat(
        "no consistency proof from ", old_size, " to ", size,
        ": the archive's latest checkpoint has size ", latest->size));
  }
  auto reply = client_->GetConsistencyProof(old_size, new_size);
  if (!reply.ok()) return reply.status();
  const v1::ConsistencyProof& proof = reply->proof();
  if (proof.old_size() != old_size || proof.new_size() != size) {
    return absl::DataLossError(
        absl::StrCat("asked for a consistency proof from ", old_size, " to ",
                     size, " but the archive sent one from ", proof.old_size(),
                     " to ", proof.new_size()));
  }
  if (old_size == 0 || old_size == size) {
    if (proof.hashes_size() == 0) return proof;  // nothing to prove
    return absl::DataLossError(absl::StrCat(
        "a consistency proof from ", old_size, " to ", size,
        " is empty, but the archive sent ", proof.hashes_size(), " hashes"));
  }
  auto old_root = RootAt(old_size, *latest);
  if (!old_root.ok()) return old_root.status();
  auto new_root = RootAt(size, *latest);
  if (!new_root.ok()) return new_root.status();
  if (absl::Status s = VerifyConsistency(old_size, size, *old_root, *new_root,
                                         Hashes(proof.hashes()));
      !s.ok()) {
    return absl::DataLossError(
        absl::StrCat("the consistency proof from ", old_size, " to ", size,
                     " does not verify against the checkpoint of size ",
                     latest->size, ": ", s.message()));
  }
  return proof;
}

}  // namespace archive
