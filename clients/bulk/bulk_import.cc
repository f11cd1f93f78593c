#include "clients/bulk/bulk_import.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/check/media_type.h"
#include "storage/format/statement.h"

namespace archive {
namespace {

constexpr char kDefaultStatus[] = "in_force";

// --status, else the row's status column, else a note that starts with a
// lifecycle word ("expired 2018-08-31"), else in force.
std::string StatusFor(const ManifestRow& row, const ImportOptions& options) {
  if (!options.status.empty()) return options.status;
  if (!row.status.empty()) return row.status;
  std::string first_word = row.note.substr(0, row.note.find(' '));
  if (IsKnownStatus(first_word)) return first_word;
  return kDefaultStatus;
}

std::string NoteFor(const ManifestRow& row, const ImportOptions& options,
                    absl::string_view kind, absl::string_view label) {
  std::string note = options.note;
  if (note.empty()) {
    if (kind == "raw") {
      note = absl::StrCat("raw text (", label, ")");
    } else if (kind == "clean") {
      note = absl::StrCat("corrected text (", label, ")");
    } else {
      note = absl::StrCat("imported from ", label);
    }
  }
  if (!row.note.empty()) absl::StrAppend(&note, "; ", row.note);
  return note;
}

// True if revision `r` is what putting `file` would make: same content and
// metadata (who, when and the note aside, as for the archive's own retry
// rule).
bool Holds(const v1::Revision& r, const ImportFile& file) {
  const v1::Metadata& have = r.metadata();
  const v1::Metadata& want = file.metadata;
  return r.sha256() == file.sha256 && r.size() == file.size &&
         have.media_type() == want.media_type() &&
         have.status() == want.status() && have.title() == want.title() &&
         have.issuer() == want.issuer() && have.number() == want.number() &&
         have.region() == want.region() && have.date() == want.date() &&
         have.source() == want.source();
}

bool StopsImport(const absl::Status& s) {
  return absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s) ||
         absl::IsPermissionDenied(s) || absl::IsUnauthenticated(s);
}

}  // namespace

absl::StatusOr<RevisionChoice> ParseRevisionChoice(absl::string_view text) {
  if (text == "raw") return RevisionChoice::kRaw;
  if (text == "clean") return RevisionChoice::kClean;
  if (text == "both") return RevisionChoice::kBoth;
  return absl::InvalidArgumentError(absl::StrCat(
      "--revision must be raw, clean or both, not \"", text, "\""));
}

absl::StatusOr<ImportLayout> ResolveLayout(
    const std::string& dir, std::optional<RevisionChoice> revision) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--dir ", dir, " is not a directory"));
  }
  ImportLayout layout;
  layout.dir = dir;
  layout.raw_and_clean = fs::is_directory(dir + "/raw", ec) &&
                         fs::is_directory(dir + "/clean", ec);
  if (layout.raw_and_clean) {
    layout.revision = revision.value_or(RevisionChoice::kBoth);
  } else {
    if (revision == RevisionChoice::kBoth) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--revision both needs ", dir, "/raw/ and ", dir,
          "/clean/; without them each document is one file, DIR/<id>.txt"));
    }
    layout.revision = revision.value_or(RevisionChoice::kClean);
  }
  return layout;
}

std::vector<ImportFile> FilesFor(const ManifestRow& row,
                                 const ImportLayout& layout,
                                 const ImportOptions& options) {
  v1::Metadata base;
  base.set_title(row.title);
  base.set_issuer(row.issuer);
  base.set_number(row.number);
  base.set_region(row.region);
  base.set_date(row.date);
  base.set_source(row.source);
  base.set_status(StatusFor(row, options));
  std::vector<std::string> kinds;
  if (layout.revision != RevisionChoice::kClean) kinds.push_back("raw");
  if (layout.revision != RevisionChoice::kRaw) kinds.push_back("clean");
  std::vector<ImportFile> files;
  for (const std::string& kind : kinds) {
    ImportFile file;
    const bool raw = kind == "raw";
    file.label = layout.raw_and_clean ? absl::StrCat(kind, "/", row.id, ".txt")
                                      : absl::StrCat(row.id, ".txt");
    file.path = absl::StrCat(layout.dir, "/", file.label);
    file.expected_sha256 = raw ? row.raw_sha256 : row.clean_sha256;
    file.expected_size = raw ? row.raw_bytes : row.clean_bytes;
    file.metadata = base;
    file.metadata.set_note(
        NoteFor(row, options, layout.raw_and_clean ? kind : "", file.label));
    files.push_back(std::move(file));
  }
  return files;
}

RowPlan PlanRow(const std::string& document_id,
                const std::vector<ImportFile>& files,
                const v1::HistoryResponse* history) {
  RowPlan plan;
  if (history == nullptr || history->revisions().empty()) {
    plan.action = RowPlan::Action::kPut;
    return plan;
  }
  if (history->heads_size() != 1) {
    plan.reason = absl::StrCat(
        document_id, " has ", history->heads_size(),
        " heads (a conflict between offices): ",
        absl::StrJoin(history->heads(), ", "),
        "; resolve it with archivectl put --parent before importing");
    return plan;
  }
  for (const v1::Revision& r : history->revisions()) {
    if (Holds(r, files.back())) {
      plan.action = RowPlan::Action::kPresent;
      plan.present_revision = r.revision_id();
      return plan;
    }
  }
  const v1::Revision* head = nullptr;
  for (const v1::Revision& r : history->revisions()) {
    if (r.revision_id() == history->heads(0)) head = &r;
  }
  if (head == nullptr) {
    plan.reason = absl::StrCat("the archive lists head ", history->heads(0),
                               " of ", document_id, " but not in its history");
    return plan;
  }
  plan.action = RowPlan::Action::kPut;
  plan.parent = head->revision_id();
  plan.first_file = files.size() - 1;
  for (size_t k = files.size() - 1; k-- > 0;) {
    if (Holds(*head, files[k])) {
      plan.first_file = k + 1;
      break;
    }
  }
  return plan;
}

uint64_t BulkImporter::FileBytes(const ManifestRow& row) const {
  uint64_t total = 0;
  for (const ImportFile& file : FilesFor(row, layout_, options_)) {
    std::error_code ec;
    uint64_t size = std::filesystem::file_size(file.path, ec);
    if (!ec) total += size;
  }
  return total;
}

absl::Status BulkImporter::CheckFile(ImportFile* file, RowResult* result) {
  uint64_t size = 0;
  MediaTypeGuesser guesser;
  auto digest = HashFile(file->path, &size, &guesser);
  if (!digest.ok()) {
    return absl::NotFoundError(absl::StrCat(file->label, ": cannot read ",
                                            file->path, " (",
                                            digest.status().message(), ")"));
  }
  result->bytes_checked += size;
  if (file->expected_size.has_value() && size != *file->expected_size) {
    return absl::FailedPreconditionError(
        absl::StrCat(file->label, " has ", size, " bytes, the manifest says ",
                     *file->expected_size, "; nothing of this row was sent"));
  }
  if (!file->expected_sha256.empty() && *digest != file->expected_sha256) {
    return absl::FailedPreconditionError(absl::StrCat(
        file->label, " has sha256 ", *digest, ", the manifest says ",
        file->expected_sha256, "; nothing of this row was sent"));
  }
  file->sha256 = *digest;
  file->size = size;
  file->metadata.set_media_type(guesser.Guess());
  return absl::OkStatus();
}

absl::Status BulkImporter::VerifyPresent(const std::string& document_id,
                                         const std::string& revision_id,
                                         const ImportFile& last) {
  v1::GetRequest request;
  request.set_document_id(document_id);
  request.set_revision_id(revision_id);
  request.set_header_only(true);
  auto fetched = verifier_->Get(request, "", nullptr);
  if (!fetched.ok()) return fetched.status();
  const VerifiedStatement& verified = fetched->second.revision;
  if (verified.revision_id != revision_id ||
      verified.statement.content_sha256 != last.sha256 ||
      verified.statement.content_size != last.size) {
    return absl::DataLossError(absl::StrCat(
        "the archive's history lists revision ", revision_id, " as holding ",
        last.label, ", but its signed statement says otherwise"));
  }
  return absl::OkStatus();
}

absl::StatusOr<RowResult::Put> BulkImporter::PutOne(
    const std::string& document_id, const ImportFile& file,
    const std::string& parent, const std::function<void(uint64_t)>& sent) {
  v1::PutHeader header;
  header.set_document_id(document_id);
  *header.mutable_metadata() = file.metadata;
  header.set_sha256(file.sha256);
  header.set_size(file.size);
  if (!parent.empty()) header.add_expected_parents(parent);
  header.set_as_name(options_.as_name);
  auto reply = client_->PutFile(file.path, header,
                                [&](uint64_t done, uint64_t) { sent(done); });
  if (!reply.ok()) return reply.status();
  auto verified = verifier_->VerifyReceipt(reply->receipt());
  if (!verified.ok()) {
    return absl::DataLossError(
        absl::StrCat("the archive's receipt for ", reply->revision_id(),
                     " does not verify: ", verified.status().message()));
  }
  const Statement& st = verified->revision.statement;
  if (verified->revision.revision_id != reply->revision_id() ||
      st.document != document_id || st.content_sha256 != file.sha256) {
    return absl::DataLossError(
        absl::StrCat("the archive's receipt for ", reply->revision_id(),
                     " is for other content or another document"));
  }
  return RowResult::Put{file.label, reply->revision_id(), reply->created()};
}

RowResult BulkImporter::Import(const ManifestRow& row,
                               const std::function<void(uint64_t)>& progress) {
  RowResult result;
  auto fail = [&](const absl::Status& s) {
    result.outcome = RowResult::Outcome::kFailed;
    result.error = std::string(s.message());
    result.stops_import = StopsImport(s);
    return result;
  };
  std::vector<ImportFile> files = FilesFor(row, layout_, options_);
  for (ImportFile& file : files) {
    if (absl::Status s = CheckFile(&file, &result); !s.ok()) return fail(s);
  }
  auto history = client_->FullHistory(row.id);
  if (!history.ok() && !absl::IsNotFound(history.status())) {
    return fail(history.status());
  }
  const RowPlan plan =
      PlanRow(row.id, files, history.ok() ? &*history : nullptr);
  switch (plan.action) {
    case RowPlan::Action::kFail:
      return fail(absl::FailedPreconditionError(plan.reason));
    case RowPlan::Action::kPresent:
      if (absl::Status s =
              VerifyPresent(row.id, plan.present_revision, files.back());
          !s.ok()) {
        return fail(s);
      }
      result.outcome = RowResult::Outcome::kPresent;
      result.head = plan.present_revision;
      return result;
    case RowPlan::Action::kPut:
      break;
  }
  std::string parent = plan.parent;
  uint64_t done = 0;
  bool created = false;
  for (size_t k = plan.first_file; k < files.size(); ++k) {
    auto put = PutOne(row.id, files[k], parent,
                      [&](uint64_t sent) { progress(done + sent); });
    if (!put.ok()) {
      return fail(absl::Status(
          put.status().code(),
          absl::StrCat(files[k].label, ": ", put.status().message())));
    }
    done += files[k].size;
    result.bytes_sent += files[k].size;
    created = created || put->created;
    parent = put->revision_id;
    result.puts.push_back(std::move(*put));
  }
  result.outcome =
      created ? RowResult::Outcome::kImported : RowResult::Outcome::kPresent;
  result.head = parent;
  return result;
}

}  // namespace archive
