// put, get and verify: writing, reading and checking one document.
#include <iostream>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "clients/api/api_enums.h"
#include "clients/check/media_type.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/receipt_files.h"
#include "storage/base/env.h"
#include "storage/format/statement.h"

namespace archive {
namespace cli {

namespace {

// --relation KIND:DOC, repeatable.
absl::Status AddRelations(const Args& a, v1::Metadata* m) {
  for (const std::string& value : a.GetAll("relation")) {
    size_t colon = value.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == value.size()) {
      return Usage(
          absl::StrCat("--relation \"", value,
                       "\": expected KIND:DOC, e.g. repeals:gx-2020-1"));
    }
    v1::Relation* r = m->add_relations();
    r->set_kind(value.substr(0, colon));
    r->set_document_id(value.substr(colon + 1));
  }
  return absl::OkStatus();
}

// The put's metadata: the flags given, over the head's metadata with
// --keep-metadata (which also makes the put conditional on that head, so a
// concurrent change is not silently overwritten).
absl::Status FillMetadata(Context& c, v1::PutHeader* header) {
  const Args& a = c.args;
  v1::Metadata* m = header->mutable_metadata();
  if (a.Has("keep-metadata")) {
    auto head = SingleHead(c, header->document_id());
    if (!head.ok()) return head.status();
    *m = head->metadata();
    KeepWordsOnly(m);
    m->clear_media_type();  // guessed again from the new bytes
    m->clear_note();
    if (!a.Has("parent")) header->add_expected_parents(head->revision_id());
    if (a.Has("relation")) m->clear_relations();
  }
  const std::pair<const char*, void (v1::Metadata::*)(const std::string&)>
      fields[] = {{"title", &v1::Metadata::set_title},
                  {"issuer", &v1::Metadata::set_issuer},
                  {"number", &v1::Metadata::set_number},
                  {"region", &v1::Metadata::set_region},
                  {"date", &v1::Metadata::set_date},
                  {"source", &v1::Metadata::set_source},
                  {"status", &v1::Metadata::set_status},
                  {"media-type", &v1::Metadata::set_media_type},
                  {"note", &v1::Metadata::set_note},
                  {"effective", &v1::Metadata::set_effective},
                  {"expires", &v1::Metadata::set_expires}};
  for (const auto& [flag, set] : fields) {
    if (a.Has(flag)) (m->*set)(a.Get(flag));
  }
  if (m->status().empty()) m->set_status("in_force");
  return AddRelations(a, m);
}

v1::GetRequest GetRequestFrom(const Args& a, const std::string& doc) {
  v1::GetRequest request;
  request.set_document_id(doc);
  request.set_revision_id(a.Get("rev"));
  request.set_head(a.Has("head"));
  return request;
}

}  // namespace

absl::Status RunPut(Context& c) {
  const Args& a = c.args;
  const std::string& path = a.positional()[0];
  if (!a.Has("id")) return Usage("put needs --id DOC (the document id)");
  v1::PutHeader header;
  header.set_document_id(a.Get("id"));
  for (const std::string& p : a.GetAll("parent"))
    header.add_expected_parents(p);
  if (absl::Status s = FillMetadata(c, &header); !s.ok()) return s;
  header.set_as_name(a.Get("as"));
  auto size = Env::Default()->FileSize(path);
  if (!size.ok())
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  MediaTypeGuesser guesser;
  ProgressBar bar("put " + path, *size);
  v1::PutHeader sent;
  auto reply = c.client.PutFile(
      path, header, [&](uint64_t d, uint64_t) { bar.Update(d); }, &guesser,
      &sent);
  if (!reply.ok()) return reply.status();
  auto verified = VerifyPutReceipt(c, header.document_id(), *reply);
  if (!verified.ok()) return verified.status();
  // The signed statement must be of the bytes this client hashed and sent.
  const Statement& st = verified->revision.statement;
  if (st.content_sha256 != sent.sha256() || st.content_size != sent.size()) {
    return absl::DataLossError(absl::StrCat(
        "the archive's receipt for ", reply->revision_id(), " is for ",
        st.content_size, " bytes with sha256 ", st.content_sha256, ", not the ",
        sent.size(), " bytes with sha256 ", sent.sha256(), " sent"));
  }
  if (c.json) {
    Json j;
    j["revision_id"] = reply->revision_id();
    j["created"] = reply->created();
    j["revision"] = RevisionJson(reply->revision());
    j["checkpoint_size"] = verified->checkpoint.size;
    // Verbatim, with any witness cosignatures it carries.
    j["checkpoint"] = reply->receipt().checkpoint();
    PrintJson(j);
  } else {
    std::cout << reply->revision_id() << "\n";
    if (!reply->created()) {
      std::cerr << "archivectl: unchanged: identical to the head revision of "
                << header.document_id() << "; nothing stored\n";
    }
  }
  return absl::OkStatus();
}

absl::Status RunGet(Context& c) {
  const Args& a = c.args;
  if (a.Has("rev") && a.Has("head"))
    return Usage("give --rev REV or --head, not both");
  std::string out = a.Get("output");
  bool to_stdout = out.empty() || out == "-";
  if (to_stdout && c.json)
    return Usage("--json prints a report, so it needs -o FILE");
  if (to_stdout) out = "-";  // verified in a temp file, then streamed
  v1::GetRequest request = GetRequestFrom(a, a.positional()[0]);
  std::unique_ptr<ProgressBar> bar;
  auto result =
      c.verifier.Get(request, out, [&](uint64_t done, uint64_t total) {
        if (!bar)
          bar = std::make_unique<ProgressBar>("get " + request.document_id(),
                                              total);
        bar->Update(done);
      });
  bar.reset();
  if (!result.ok()) return result.status();
  const auto& [header, verified] = *result;
  if (a.Has("receipt")) {
    if (absl::Status s = WriteReceipt(a.Get("receipt"), header); !s.ok())
      return s;
  }
  const v1::Revision& r = header.revision();
  if (c.json) {
    Json j;
    j["verified"] = true;
    j["output"] = out;
    j["revision"] = RevisionJson(r);
    j["checkpoint_size"] = verified.checkpoint.size;
    PrintJson(j);
  } else {
    std::cerr << "archivectl: verified " << r.document_id() << " revision "
              << r.revision_id() << " (" << r.metadata().status() << ", "
              << HumanSize(r.size()) << ", sha256:" << r.sha256()
              << "), signed by " << r.origin() << ", in checkpoint "
              << verified.checkpoint.size << " of "
              << verified.checkpoint.origin
              << (to_stdout ? "" : ", written to " + out) << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunVerify(Context& c) {
  const Args& a = c.args;
  const std::string& path = a.positional()[0];
  if (!a.Has("id")) return Usage("verify needs --id DOC");
  uint64_t file_size = 0;
  auto digest = HashFile(path, &file_size);
  if (!digest.ok()) return digest.status();
  v1::GetRequest request = GetRequestFrom(a, a.Get("id"));
  request.set_header_only(true);
  auto result = c.verifier.Get(request, "", nullptr);
  if (!result.ok()) return result.status();
  const Statement& st = result->second.revision.statement;
  bool same = *digest == st.content_sha256 && file_size == st.content_size;
  if (c.json) {
    Json j;
    j["file"] = path;
    j["matches"] = same;
    j["file_sha256"] = *digest;
    j["file_size"] = file_size;
    j["revision"] = RevisionJson(result->first.revision());
    PrintJson(j);
  }
  if (!same) {
    return WithExit(
        absl::FailedPreconditionError(absl::StrCat(
            path, " is NOT the archived ", st.document, " revision ",
            result->second.revision.revision_id, ": file has ", file_size,
            " bytes, sha256 ", *digest, "; archive has ", st.content_size,
            " bytes, sha256 ", st.content_sha256)),
        kExitMismatch);
  }
  if (!c.json) {
    std::cout << "OK: " << path << " is byte-identical to " << st.document
              << " revision " << result->second.revision.revision_id << " ("
              << st.status << ", sha256 " << st.content_sha256
              << "), signed by " << st.origin << ", in checkpoint "
              << result->second.checkpoint.size << "\n";
  }
  return absl::OkStatus();
}

}  // namespace cli
}  // namespace archive
