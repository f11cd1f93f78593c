#include "clients/api/verified_fetch.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/api/output_file.h"
#include "clients/api/revision_view.h"
#include "storage/base/background_hasher.h"
#include "storage/base/helper_thread.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/format/signed_note.h"

namespace archive {
namespace {

// A first chunk this large (a whole chunk) means a content of at least that
// size: big enough that hashing it on a helper thread pays for the thread.
// Small documents (the corpus's, up to 250 KB) come in one shorter chunk.
constexpr size_t kBackgroundHashChunkBytes = kChunkBytes;

// A large content in flight: each chunk is hashed on one helper thread and
// handed to the sink on another while the next one is received. A sink's error
// is returned at the next chunk, or by Finish.
class LargeContent {
 public:
  absl::Status Take(std::string* chunk, const ChunkSink& sink) {
    if (absl::Status s = Finish(); !s.ok()) return s;
    std::swap(*chunk, in_flight_);  // the old buffer goes back to be refilled
    hasher_.Start(in_flight_);
    writer_.Start([this, &sink] { written_ = sink(in_flight_); });
    return absl::OkStatus();
  }
  // Waits for the last chunk; returns the sink's error, if any.
  absl::Status Finish() {
    hasher_.Wait();
    writer_.Wait();
    return written_;
  }
  // The raw digest of every chunk taken; call once, after Finish.
  std::string digest() { return hasher_.Finish(); }

 private:
  std::string in_flight_;
  absl::Status written_;
  // Declared after what their tasks use, so destroyed (joined) first.
  BackgroundHasher hasher_;
  HelperThread writer_;
};

// The checkpoint's origin, without verifying anything.
std::string CheckpointOrigin(const std::string& note) {
  return note.substr(0, note.find('\n'));
}

}  // namespace

ReceiptParts ReceiptFromProto(const v1::Receipt& receipt) {
  ReceiptParts parts;
  parts.signed_statement = receipt.signed_statement();
  parts.checkpoint = receipt.checkpoint();
  parts.leaf_index = receipt.inclusion().leaf_index();
  parts.tree_size = receipt.inclusion().tree_size();
  for (const std::string& h : receipt.inclusion().hashes())
    parts.inclusion.push_back(h);
  return parts;
}

absl::Status CheckContentMatches(const Statement& st,
                                 const std::string& sha256_hex, uint64_t size) {
  if (size != st.content_size || sha256_hex != st.content_sha256) {
    return absl::DataLossError(
        absl::StrCat("content digest: received ", size, " bytes hashing to ",
                     sha256_hex, " but the signed statement says ",
                     st.content_size, " bytes, sha256:", st.content_sha256));
  }
  return absl::OkStatus();
}

absl::StatusOr<VerifyingClient> VerifyingClient::Create(ArchiveClient* client,
                                                        VerifyOptions options) {
  auto trust = TrustStore::Load(options.trust_file);
  if (!trust.ok()) return trust.status();
  auto known = KnownArchives::Load(options.known_archives_file);
  if (!known.ok()) return known.status();
  std::shared_ptr<const WitnessPolicy> policy;
  if (!options.witness_policy_file.empty()) {
    auto loaded = WitnessPolicy::Load(options.witness_policy_file);
    if (!loaded.ok()) return loaded.status();
    policy = std::make_shared<const WitnessPolicy>(std::move(*loaded));
  }
  VerifyingClient verifier(client, std::move(options), std::move(*trust),
                           std::move(*known));
  verifier.witness_policy_ = std::move(policy);
  return verifier;
}

absl::Status VerifyingClient::CheckWitnessed(
    const std::string& checkpoint_note) {
  if (witness_policy_ == nullptr) return absl::OkStatus();
  auto check = witness_policy_->Check(checkpoint_note);
  if (!check.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("witness policy ", options_.witness_policy_file, ": ",
                     check.status().message()));
  }
  if (!witnesses_noticed_ && options_.notice) {
    witnesses_noticed_ = true;
    options_.notice(absl::StrCat(
        "checkpoint cosigned by ", absl::StrJoin(check->signed_by, ", "),
        " (quorum ", check->quorum, " of ", witness_policy_->witnesses().size(),
        ")",
        check->missing.empty()
            ? ""
            : absl::StrCat("; no cosignature from ",
                           absl::StrJoin(check->missing, ", ")),
        witness_policy_->mirrors().empty()
            ? ""
            : absl::StrCat("; held by mirrors ",
                           check->mirrored_by.empty()
                               ? "none"
                               : absl::StrJoin(check->mirrored_by, ", "),
                           " (mirror_quorum ", check->mirror_quorum, " of ",
                           witness_policy_->mirrors().size(), ")")));
  }
  return absl::OkStatus();
}

// Explicit trust (--trust) is the user's word and stays as it is; pinning by
// address guards what trust on first use would otherwise take on faith.
bool VerifyingClient::PinsAddresses() const {
  return options_.allow_trust_on_first_use &&
         !options_.known_archives_file.empty() &&
         !options_.server_address.empty();
}

absl::Status VerifyingClient::EnsureTrusted(
    const std::string& checkpoint_note) {
  std::string origin = CheckpointOrigin(checkpoint_note);
  if (PinsAddresses()) {
    if (absl::Status s = known_.Check(options_.server_address, checkpoint_note);
        !s.ok())
      return s;
  }
  if (const VerifierKey* trusted = trust_.Find(origin); trusted != nullptr) {
    // Trusted before this address was noted (an older client, a key added by
    // hand): note it now, so a newcomer here is caught from now on.
    return PinsAddresses()
               ? known_.Pin(options_.server_address, trusted->ToString())
               : absl::OkStatus();
  }
  if (!options_.allow_trust_on_first_use) {
    return absl::PermissionDeniedError(
        absl::StrCat("archive ", origin, " is not trusted: its key is not in ",
                     trust_.path()));
  }
  auto latest = client_->GetCheckpoint();
  if (!latest.ok()) return latest.status();
  const std::string& key = latest->verifier_key();
  if (key.substr(0, key.find('+')) != origin) {
    return absl::PermissionDeniedError(absl::StrCat(
        "archive ", origin, " presents a key for another name: ", key));
  }
  if (absl::Status s = trust_.Pin(key); !s.ok()) return s;
  if (PinsAddresses()) {
    if (absl::Status s = known_.Pin(options_.server_address, key); !s.ok())
      return s;
  }
  if (options_.notice) {
    options_.notice(absl::StrCat(
        "trusting archive ", origin, " on first use: key ", key, " (saved to ",
        trust_.path(), PinsAddresses() ? " and " : "",
        PinsAddresses() ? known_.path() : "", " for ", options_.server_address,
        "; compare it with the archive's keys/verifier.key)"));
  }
  return absl::OkStatus();
}

absl::Status VerifyingClient::CheckAgainstSeen(const Checkpoint& cp,
                                               const std::string& note) {
  SeenCheckpoints seen(options_.seen_dir);
  auto previous_note = seen.Load(cp.origin);
  if (!previous_note.ok()) return previous_note.status();
  if (!previous_note->has_value()) return seen.Save(cp.origin, note);
  ReceiptChecker checker(&trust_);
  auto previous = checker.CheckCheckpoint(**previous_note);
  if (!previous.ok()) {
    return absl::DataLossError(
        absl::StrCat("the checkpoint remembered in ", seen.PathFor(cp.origin),
                     " does not verify: ", previous.status().message()));
  }
  const Checkpoint& older = previous->size <= cp.size ? *previous : cp;
  const Checkpoint& newer = previous->size <= cp.size ? cp : *previous;
  auto proof = client_->GetConsistencyProof(older.size, newer.size);
  if (!proof.ok()) {
    if (previous->size > cp.size) {
      return absl::DataLossError(
          absl::StrCat("log of ", cp.origin, " shrank: a checkpoint of size ",
                       previous->size,
                       " was seen before, the server now shows size ", cp.size,
                       " and cannot prove it "
                       "extends to the old one (",
                       proof.status().message(), ")"));
    }
    return proof.status();
  }
  std::vector<std::string> hashes(proof->proof().hashes().begin(),
                                  proof->proof().hashes().end());
  if (absl::Status s = CheckExtends(older, newer, hashes); !s.ok()) return s;
  if (newer.size == cp.size && previous->size != cp.size)
    return seen.Save(cp.origin, note);
  return absl::OkStatus();
}

absl::StatusOr<Checkpoint> VerifyingClient::LatestCheckpoint(
    std::string* note_out) {
  auto latest = client_->GetCheckpoint();
  if (!latest.ok()) return latest.status();
  if (absl::Status s = EnsureTrusted(latest->checkpoint()); !s.ok()) return s;
  ReceiptChecker checker(&trust_);
  auto cp = checker.CheckCheckpoint(latest->checkpoint());
  if (!cp.ok()) return cp.status();
  if (absl::Status s = CheckWitnessed(latest->checkpoint()); !s.ok()) return s;
  auto seen_before = SeenCheckpoints(options_.seen_dir).Load(cp->origin);
  if (!seen_before.ok()) return seen_before.status();
  if (absl::Status s = CheckAgainstSeen(*cp, latest->checkpoint()); !s.ok())
    return s;
  // An older checkpoint is fine in a receipt, but never as the latest: an
  // archive never signs a smaller tree after a larger one, so this one hides
  // the entries it showed before.
  if (seen_before->has_value()) {
    auto before = checker.CheckCheckpoint(**seen_before);
    if (before.ok() && before->size > cp->size) {
      return absl::DataLossError(absl::StrCat(
          "the latest checkpoint of ", cp->origin, " has size ", cp->size,
          ", but this client saw one of size ", before->size,
          " before: the archive shows a stale view of its log"));
    }
  }
  if (note_out != nullptr) *note_out = latest->checkpoint();
  return cp;
}

absl::StatusOr<VerifiedReceipt> VerifyingClient::VerifyReceipt(
    const v1::Receipt& receipt) {
  if (absl::Status s = EnsureTrusted(receipt.checkpoint()); !s.ok()) return s;
  ReceiptChecker checker(&trust_);
  auto verified = checker.Check(ReceiptFromProto(receipt));
  if (!verified.ok()) return verified.status();
  if (absl::Status s =
          CheckAgainstSeen(verified->checkpoint, receipt.checkpoint());
      !s.ok()) {
    return s;
  }
  return verified;
}

absl::Status CheckNamesWhatWasAsked(const ExpectedRevision& expected,
                                    const VerifiedStatement& got) {
  if (!expected.document_id.empty() &&
      got.statement.document != expected.document_id) {
    return absl::DataLossError(
        absl::StrCat("asked for document ", expected.document_id,
                     " but the archive answered with revision ",
                     got.revision_id, " of document ", got.statement.document,
                     " (the signed statement names another document)"));
  }
  if (!expected.revision_id.empty() &&
      got.revision_id != expected.revision_id) {
    return absl::DataLossError(
        absl::StrCat("asked for revision ", expected.revision_id,
                     " but the archive answered with revision ",
                     got.revision_id, " of ", got.statement.document,
                     " (the signed statement hashes to another id)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<VerifiedReceipt> VerifyingClient::VerifyReceipt(
    const v1::Receipt& receipt, const ExpectedRevision& expected) {
  auto verified = VerifyReceipt(receipt);
  if (!verified.ok()) return verified.status();
  if (absl::Status s = CheckNamesWhatWasAsked(expected, verified->revision);
      !s.ok()) {
    return s;
  }
  return verified;
}

absl::Status VerifyingClient::CheckHeader(const v1::GetRequest& request,
                                          const VerifiedReceipt& verified,
                                          v1::GetHeader* header) {
  const VerifiedStatement& got = verified.revision;
  // What the server chose (the authoritative version, the head) cannot be
  // proven newest here; what it claims about its choice can be checked.
  if (request.revision_id().empty() && !request.head() &&
      got.statement.status == "draft") {
    return absl::DataLossError(absl::StrCat(
        "asked for the authoritative version of ", request.document_id(),
        " but the archive answered with revision ", got.revision_id,
        ", a draft (the authoritative version is never a draft)"));
  }
  if (request.revision_id().empty() && request.head() &&
      std::find(header->heads().begin(), header->heads().end(),
                got.revision_id) == header->heads().end()) {
    return absl::DataLossError(absl::StrCat(
        "asked for the head of ", request.document_id(),
        " but the archive answered with revision ", got.revision_id,
        ", which is not among the heads it names"));
  }
  v1::Revision signed_view =
      RevisionFromStatement(got, header->receipt().inclusion().leaf_index());
  if (absl::Status s = CheckDescription(header->revision(), signed_view,
                                        "the archive's Get header");
      !s.ok()) {
    return s;
  }
  *header->mutable_revision() = std::move(signed_view);
  return absl::OkStatus();
}

absl::StatusOr<std::pair<v1::GetHeader, VerifiedReceipt>>
VerifyingClient::FetchVerified(const v1::GetRequest& request,
                               const ChunkSink& sink, const Progress& progress,
                               uint64_t* size, std::string* sha256_hex) {
  Sha256 hasher;
  // A large content is hashed on one helper thread and written by `sink` on
  // another, while this one receives the next chunk: on a machine where
  // copying into fresh page cache is slow, the write alone can take as long as
  // everything else a get does.
  std::unique_ptr<LargeContent> large;
  *size = 0;
  auto header = client_->GetTakingChunks(
      request,
      [&](std::string* chunk) {
        if (*size == 0 && chunk->size() >= kBackgroundHashChunkBytes) {
          large = std::make_unique<LargeContent>();
        }
        *size += chunk->size();
        if (large == nullptr) {
          hasher.Update(*chunk);
          return sink(*chunk);
        }
        return large->Take(chunk, sink);
      },
      progress);
  if (large != nullptr) {
    absl::Status written = large->Finish();
    if (header.ok() && !written.ok()) return written;
  }
  if (!header.ok()) return header.status();
  auto verified = VerifyReceipt(header->receipt(),
                                {request.document_id(), request.revision_id()});
  if (!verified.ok()) return verified.status();
  if (absl::Status s = CheckWitnessed(header->receipt().checkpoint());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckHeader(request, *verified, &*header); !s.ok())
    return s;
  if (!request.header_only()) {
    *sha256_hex = ToHex(large != nullptr ? large->digest() : hasher.Finish());
    absl::Status content =
        CheckContentMatches(verified->revision.statement, *sha256_hex, *size);
    if (!content.ok()) return content;
  }
  return std::make_pair(std::move(*header), std::move(*verified));
}

absl::StatusOr<std::pair<v1::GetHeader, VerifiedReceipt>> VerifyingClient::Get(
    const v1::GetRequest& request, const std::string& out_path,
    const Progress& progress) {
  std::unique_ptr<OutputFile> out;
  if (!request.header_only()) {
    auto created = OutputFile::Create(out_path);
    if (!created.ok()) return created.status();
    out = std::move(*created);
  }
  uint64_t size = 0;
  std::string digest;
  auto result = FetchVerified(
      request, [&](absl::string_view chunk) { return out->Write(chunk); },
      progress, &size, &digest);
  // On any failure `out` removes its temporary file; nothing reaches out_path.
  if (!result.ok()) return result.status();
  if (out != nullptr) {
    if (absl::Status s = out->Commit(); !s.ok()) return s;
  }
  return result;
}

absl::StatusOr<std::string> VerifyingClient::GetBytes(
    const v1::GetRequest& request) {
  std::string content;
  uint64_t size = 0;
  std::string digest;
  auto result = FetchVerified(
      request,
      [&](absl::string_view chunk) {
        content.append(chunk.data(), chunk.size());
        return absl::OkStatus();
      },
      nullptr, &size, &digest);
  if (!result.ok()) return result.status();
  return content;
}

}  // namespace archive
