// archivectl export --bagit: see archive_bag.h for the bag's layout.
#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/bagit/bagit.h"
#include "clients/cli/archive_bag.h"
#include "clients/cli/receipt_files.h"
#include "storage/base/hex.h"

namespace archive {
namespace {

constexpr char kSoftwareAgent[] =
    "archivectl (Policy Archive; BagIt export per RFC 8493)";

// Every document id the archive lists, in id order.
absl::StatusOr<std::vector<std::string>> AllDocumentIds(ArchiveClient& client) {
  std::vector<std::string> ids;
  v1::ListRequest request;
  request.set_page_size(1000);
  do {
    auto page = client.List(request);
    if (!page.ok()) return page.status();
    for (const v1::DocumentSummary& d : page->documents())
      ids.push_back(d.document_id());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  return ids;
}

class Exporter {
 public:
  Exporter(ArchiveClient& client, VerifyingClient& verifier, BagWriter& bag)
      : client_(client), verifier_(verifier), bag_(bag) {}

  // Every revision of `doc`, oldest first: in the archive's log a revision's
  // parents always precede it, so log order puts parents before children.
  // The history is verified first (history_check.h), so the leaf indexes are
  // proven and no revision was left out between the heads and the roots.
  absl::Status ExportDocument(const std::string& doc) {
    auto history = verifier_.History(doc);
    if (!history.ok()) return history.status();
    std::vector<v1::Revision> revisions(history->revisions().begin(),
                                        history->revisions().end());
    std::sort(revisions.begin(), revisions.end(),
              [](const v1::Revision& a, const v1::Revision& b) {
                return a.leaf_index() < b.leaf_index();
              });
    uint64_t sequence = 0;
    for (const v1::Revision& r : revisions) {
      if (absl::Status s = ExportRevision(doc, ++sequence, r); !s.ok()) {
        return absl::Status(
            s.code(), absl::StrCat(doc, " revision ", r.revision_id(), ": ",
                                   s.message()));
      }
    }
    revisions_ += revisions.size();
    return absl::OkStatus();
  }

  uint64_t revisions() const { return revisions_; }

 private:
  absl::Status ExportRevision(const std::string& doc, uint64_t sequence,
                              const v1::Revision& listed) {
    std::string dir =
        absl::StrCat(SafeFileName(doc), "/",
                     RevisionDirName(sequence, listed.revision_id()));
    std::string content_name = ContentFileName(listed.metadata().media_type());
    auto content_path = bag_.PayloadPath(dir + "/" + content_name);
    if (!content_path.ok()) return content_path.status();
    v1::GetRequest request;
    request.set_document_id(doc);
    request.set_revision_id(listed.revision_id());
    // Verified before it is written: digest, signature, inclusion, consistency.
    auto fetched = verifier_.Get(request, *content_path, nullptr);
    if (!fetched.ok()) return fetched.status();
    const VerifiedStatement& verified = fetched->second.revision;
    // The history listing is not signed; the bag's names must agree with what
    // is.
    if (verified.revision_id != listed.revision_id() ||
        verified.statement.document != doc ||
        ContentFileName(verified.statement.media_type) != content_name) {
      return absl::DataLossError(
          "the archive's history disagrees with the revision's signed "
          "statement");
    }
    auto files = ReceiptFiles(fetched->first.receipt());
    if (!files.ok()) return files.status();
    for (const auto& [name, contents] : *files) {
      if (absl::Status s = bag_.WritePayload(dir + "/" + name, contents);
          !s.ok())
        return s;
    }
    return absl::OkStatus();
  }

  ArchiveClient& client_;
  VerifyingClient& verifier_;
  BagWriter& bag_;
  uint64_t revisions_ = 0;
};

}  // namespace

std::string ContentFileName(const std::string& media_type) {
  std::string type = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(media_type.substr(0, media_type.find(';'))));
  static const auto* kExtensions =
      new std::map<std::string, std::string>{{"text/plain", "txt"},
                                             {"text/html", "html"},
                                             {"application/pdf", "pdf"},
                                             {"application/json", "json"}};
  auto it = kExtensions->find(type);
  return absl::StrCat("content.",
                      it == kExtensions->end() ? "bin" : it->second);
}

std::string RevisionDirName(uint64_t sequence, const std::string& revision_id) {
  return absl::StrFormat("%06d-%s", sequence, revision_id);
}

absl::StatusOr<BagExportReport> ExportBag(
    ArchiveClient& client, VerifyingClient& verifier, const std::string& dir,
    const std::vector<std::string>& document_ids) {
  auto bag = BagWriter::Create(dir);
  if (!bag.ok()) return bag.status();
  // Checks the archive is trusted (or pins it) before anything is fetched.
  if (auto start = verifier.LatestCheckpoint(); !start.ok())
    return start.status();
  std::vector<std::string> ids = document_ids;
  if (ids.empty()) {
    auto all = AllDocumentIds(client);
    if (!all.ok()) return all.status();
    ids = std::move(*all);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  Exporter exporter(client, verifier, **bag);
  for (const std::string& doc : ids) {
    if (absl::Status s = exporter.ExportDocument(doc); !s.ok()) return s;
  }
  // The newest checkpoint, proved consistent with every receipt's checkpoint
  // (each was checked against the newest seen before it).
  std::string note;
  auto cp = verifier.LatestCheckpoint(&note);
  if (!cp.ok()) return cp.status();
  const VerifierKey* key = verifier.trust().Find(cp->origin);
  if (key == nullptr) {
    return absl::InternalError("the verified archive's key went missing");
  }
  BagExportReport report;
  report.dir = dir;
  report.documents = ids.size();
  report.revisions = exporter.revisions();
  report.checkpoint = *cp;
  BagWriter& b = **bag;
  b.AddInfo("Bag-Software-Agent", kSoftwareAgent);
  b.AddInfo("Archive-Origin", cp->origin);
  b.AddInfo("Archive-Verifier-Key", key->ToString());
  b.AddInfo("Archive-Checkpoint-Size", absl::StrCat(cp->size));
  b.AddInfo("Archive-Checkpoint-Root", Base64Encode(cp->root_hash));
  b.AddInfo("Archive-Document-Count", absl::StrCat(report.documents));
  b.AddInfo("Archive-Revision-Count", absl::StrCat(report.revisions));
  if (absl::Status s = b.WriteTagFile(kArchiveCheckpointTagFile, note); !s.ok())
    return s;
  if (absl::Status s = b.Finish(); !s.ok()) return s;
  report.payload_files = b.payload_files();
  report.payload_bytes = b.payload_bytes();
  return report;
}

Json BagExportReport::ToJson() const {
  Json j;
  j["bag"] = dir;
  j["documents"] = documents;
  j["revisions"] = revisions;
  j["payload_files"] = payload_files;
  j["payload_bytes"] = payload_bytes;
  j["origin"] = checkpoint.origin;
  j["checkpoint_size"] = checkpoint.size;
  j["checkpoint_root"] = Base64Encode(checkpoint.root_hash);
  return j;
}

std::string BagExportReport::Summary() const {
  return absl::StrCat("exported ", documents, " documents (", revisions,
                      " revisions, ", payload_files, " files, ",
                      HumanSize(payload_bytes), ") to the bag ", dir, "\n",
                      "  verified against checkpoint ", checkpoint.size, " of ",
                      checkpoint.origin, "\n");
}

}  // namespace archive
