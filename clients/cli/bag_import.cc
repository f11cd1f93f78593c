// archivectl import --bagit: see archive_bag.h. Everything is checked before
// the first revision is handed to the archive, so a bad bag imports nothing.
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/bagit/bagit.h"
#include "clients/cli/archive_bag.h"
#include "clients/cli/receipt_files.h"
#include "storage/base/hex.h"

namespace archive {
namespace {

// One revision found in the bag, verified offline.
struct BagRevision {
  std::string dir;  // "data/<document>/<NNNNNN>-<revision id>"
  std::string content_path;
  std::string signed_statement;
  VerifiedStatement verified;
  bool already_present = false;
};

absl::Status InBag(const std::string& where, const absl::Status& s) {
  return WithMessage(s, absl::StrCat(where, ": ", s.message()));
}

class BagReader {
 public:
  BagReader(const ValidBag& bag, const TrustStore& trust)
      : bag_(bag), checker_(&trust) {}

  // The bag's revisions in import order (documents in name order, each
  // document's revisions by number), each verified.
  absl::StatusOr<std::vector<BagRevision>> Read() {
    if (absl::Status s = CheckArchiveCheckpoint(); !s.ok()) return s;
    // data/<document>/<revision>/<file>: group the files by revision.
    std::map<std::string, std::map<uint64_t, std::string>> order;
    std::map<std::string, std::set<std::string>> files;
    for (const auto& [path, file] : bag_.payload) {
      std::vector<std::string> parts = absl::StrSplit(path, '/');
      if (parts.size() != 4) {
        return absl::InvalidArgumentError(
            absl::StrCat(path,
                         ": not part of a revision (expected "
                         "data/DOCUMENT/NNNNNN-REVISION/FILE)"));
      }
      std::string dir = absl::StrCat("data/", parts[1], "/", parts[2]);
      if (files[dir].empty()) {
        auto sequence = Sequence(parts[2]);
        if (!sequence.ok()) return InBag(dir, sequence.status());
        if (!order[parts[1]].emplace(*sequence, dir).second) {
          return absl::InvalidArgumentError(
              absl::StrCat(dir, ": a second revision numbered ", *sequence));
        }
      }
      files[dir].insert(parts[3]);
    }
    std::vector<BagRevision> revisions;
    std::set<std::string> ids;
    for (const auto& [document, by_number] : order) {
      for (const auto& [number, dir] : by_number) {
        auto revision = ReadRevision(dir, document, files[dir]);
        if (!revision.ok()) return revision.status();
        if (!ids.insert(revision->verified.revision_id).second) {
          return absl::InvalidArgumentError(
              absl::StrCat(dir, ": this revision is in the bag twice"));
        }
        revisions.push_back(std::move(*revision));
      }
    }
    return revisions;
  }

 private:
  static absl::StatusOr<uint64_t> Sequence(const std::string& name) {
    std::pair<std::string, std::string> parts = absl::StrSplit(name, '-');
    uint64_t n = 0;
    if (!absl::SimpleAtoi(parts.first, &n) || !IsSha256Hex(parts.second)) {
      return absl::InvalidArgumentError(
          "a revision directory is named NNNNNN-REVISION_ID");
    }
    return n;
  }

  // The checkpoint the export was verified against: signed by the archive
  // bag-info.txt names.
  absl::Status CheckArchiveCheckpoint() {
    auto note = Env::Default()->ReadFile(
        absl::StrCat(bag_.dir, "/", kArchiveCheckpointTagFile));
    if (!note.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(kArchiveCheckpointTagFile,
                       ": missing; not a bag made by archivectl export"));
    }
    auto cp = checker_.CheckCheckpoint(*note);
    if (!cp.ok()) return InBag(kArchiveCheckpointTagFile, Explain(cp.status()));
    if (cp->origin != bag_.Info("Archive-Origin")) {
      return absl::InvalidArgumentError(
          absl::StrCat("bag-info.txt: Archive-Origin ",
                       bag_.Info("Archive-Origin"), " is not the origin of ",
                       kArchiveCheckpointTagFile, " (", cp->origin, ")"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<BagRevision> ReadRevision(const std::string& dir,
                                           const std::string& document_dir,
                                           const std::set<std::string>& names) {
    auto parts = ReadReceipt(absl::StrCat(bag_.dir, "/", dir));
    if (!parts.ok()) return parts.status();
    auto receipt = checker_.Check(*parts);
    if (!receipt.ok()) return InBag(dir, Explain(receipt.status()));
    BagRevision r{dir, "", parts->signed_statement,
                  std::move(receipt->revision)};
    const Statement& st = r.verified.statement;
    if (dir.substr(dir.size() - 64) != r.verified.revision_id) {
      return absl::InvalidArgumentError(
          absl::StrCat(dir, ": holds revision ", r.verified.revision_id,
                       ", not the one its name gives"));
    }
    if (SafeFileName(st.document) != document_dir) {
      return absl::InvalidArgumentError(absl::StrCat(
          dir, ": holds a revision of ", st.document,
          ", whose directory would be ", SafeFileName(st.document)));
    }
    std::string content = ContentFileName(st.media_type);
    std::set<std::string> expected = {
        content,           kStatementNoteFile,  kStatementTextFile,
        kStatementSigFile, kCheckpointNoteFile, kInclusionJsonFile};
    if (names != expected) {
      return absl::InvalidArgumentError(absl::StrCat(
          dir, ": expected exactly the files ", absl::StrJoin(expected, ", ")));
    }
    r.content_path = absl::StrCat(dir, "/", content);
    // ValidateBag hashed the file and matched the manifest; now the manifest's
    // digest must be the one the origin signed.
    const ValidBag::File& file = bag_.payload.at(r.content_path);
    if (file.sha256 != st.content_sha256 || file.size != st.content_size) {
      return absl::DataLossError(absl::StrCat(
          r.content_path, ": ", file.size, " bytes with sha256 ", file.sha256,
          ", but the signed statement says ", st.content_size,
          " bytes with sha256 ", st.content_sha256));
    }
    return r;
  }

  // Says how to trust an unknown archive, naming the key the bag carries.
  absl::Status Explain(const absl::Status& s) const {
    if (!absl::IsPermissionDenied(s)) return s;
    return WithMessage(
        s,
        absl::StrCat(
            s.message(), "; the bag says its archive's key is ",
            bag_.Info("Archive-Verifier-Key"),
            ": if you trust it, add that line to the file given to archivectl "
            "--trust"));
  }

  const ValidBag& bag_;
  ReceiptChecker checker_;
};

// Asks the archive, storing nothing, whether it trusts each statement and
// which parents it lacks; a parent it lacks must come earlier in the bag.
absl::Status PrecheckWithArchive(ArchiveClient& client,
                                 std::vector<BagRevision>& revisions) {
  std::set<std::string> earlier;
  for (BagRevision& r : revisions) {
    auto reply = client.ImportRevision(r.signed_statement, "", true);
    if (!reply.ok()) return InBag(r.dir, reply.status());
    r.already_present = reply->already_present();
    for (const std::string& parent : reply->missing_parents()) {
      if (!earlier.count(parent)) {
        return absl::FailedPreconditionError(
            absl::StrCat(r.dir, ": parent ", parent,
                         " is neither in the archive nor earlier in the bag"));
      }
    }
    earlier.insert(r.verified.revision_id);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BagImportReport> ImportBag(ArchiveClient& client,
                                          VerifyingClient& verifier,
                                          const std::string& dir) {
  auto bag = ValidateBag(dir);
  if (!bag.ok()) return bag.status();
  if (bag->tag_manifests.empty() || bag->Info("Payload-Oxum").empty()) {
    return absl::InvalidArgumentError(
        "the bag has no tag manifest or no Payload-Oxum, so it cannot be "
        "checked completely");
  }
  auto revisions = BagReader(*bag, verifier.trust()).Read();
  if (!revisions.ok()) return revisions.status();
  // Every revision's receipt from the archive will be checked against its
  // key: an archive this client does not trust must be refused before it is
  // sent anything, not after it stored the first revision.
  if (auto cp = verifier.LatestCheckpoint(); !cp.ok()) {
    return absl::Status(
        cp.status().code(),
        absl::StrCat("the archive to import into: ", cp.status().message()));
  }
  if (absl::Status s = PrecheckWithArchive(client, *revisions); !s.ok())
    return s;

  BagImportReport report;
  report.dir = dir;
  report.origin = bag->Info("Archive-Origin");
  std::set<std::string> documents;
  for (const BagRevision& r : *revisions) {
    documents.insert(r.verified.statement.document);
    ++report.revisions;
    if (r.already_present) {
      ++report.already_present;
      continue;
    }
    auto reply = client.ImportRevision(
        r.signed_statement, absl::StrCat(bag->dir, "/", r.content_path), false);
    if (!reply.ok()) return InBag(r.dir, reply.status());
    // The archive's own receipt: the revision is in its log now.
    auto receipt = verifier.VerifyReceipt(reply->receipt());
    if (!receipt.ok()) return InBag(r.dir, receipt.status());
    if (receipt->revision.revision_id != r.verified.revision_id) {
      return absl::DataLossError(absl::StrCat(
          r.dir, ": the archive's receipt is for another revision (",
          receipt->revision.revision_id, ")"));
    }
    ++(reply->created() ? report.imported : report.already_present);
  }
  report.documents = documents.size();
  return report;
}

Json BagImportReport::ToJson() const {
  Json j;
  j["bag"] = dir;
  j["origin"] = origin;
  j["documents"] = documents;
  j["revisions"] = revisions;
  j["imported"] = imported;
  j["already_present"] = already_present;
  return j;
}

std::string BagImportReport::Summary() const {
  return absl::StrCat(
      "imported the bag ", dir, " (from ", origin, "): ", documents,
      " documents, ", revisions, " revisions\n", "  imported         ",
      imported, " revisions\n", "  already present  ", already_present, "\n");
}

}  // namespace archive
