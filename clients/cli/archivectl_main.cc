// archivectl: the Policy Archive command-line client. Every document it writes
// and every statement or checkpoint it prints has been verified first (see
// verified_fetch.h).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "clients/api/api_enums.h"
#include "clients/api/archive_client.h"
#include "clients/api/history_check.h"
#include "clients/api/verified_fetch.h"
#include "clients/bulk/bulk_import.h"
#include "clients/check/media_check.h"
#include "clients/check/media_type.h"
#include "clients/cli/archive_bag.h"
#include "clients/cli/check_report.h"
#include "clients/cli/cli_args.h"
#include "clients/cli/cli_output.h"
#include "clients/cli/completion.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/import_report.h"
#include "clients/cli/json_error.h"
#include "clients/cli/receipt_files.h"
#include "clients/cli/scrub_report.h"
#include "clients/diff/char_diff.h"
#include "clients/diff/line_diff.h"
#include "storage/base/build_version.h"
#include "storage/base/env.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/format/signed_note.h"
#include "storage/format/statement.h"

namespace archive {
namespace {

constexpr char kGlobalHelp[] =
    "Global options (before or after the command):\n"
    "  --server HOST:PORT  archive to talk to (default $ARCHIVE_SERVER, else "
    "127.0.0.1:7070)\n"
    "  --json              machine-readable output\n"
    "  --trust FILE        trusted archive keys, one verifier key per line "
    "(default\n"
    "                      $XDG_CONFIG_HOME/archivectl/trusted; without "
    "--trust an unknown\n"
    "                      archive's key is pinned on first use, and so is "
    "the address\n"
    "                      that served it, in "
    "$XDG_CONFIG_HOME/archivectl/known_archives\n"
    "                      (\"HOST:PORT VERIFIER_KEY\" lines): another "
    "origin or key at a\n"
    "                      pinned address is refused until its line is "
    "removed)\n"
    "  --as NAME           without TLS, submit as local:NAME instead of "
    "local\n"
    "  --tls_ca FILE       connect with TLS, checking the server's certificate "
    "against the\n"
    "                      CA certificates (PEM) in FILE\n"
    "  --tls_cert FILE     client certificate (PEM) for mutual TLS; with "
    "--tls_key\n"
    "  --tls_key FILE      the client certificate's private key (PEM)\n"
    "  --help, -h          this help, or a command's with COMMAND --help\n"
    "  --version           archivectl's version, commit and build type\n";

struct Context {
  const Args& args;
  bool json;
  ArchiveClient& client;
  VerifyingClient& verifier;
  std::string server;  // HOST:PORT
  bool tls;            // the connection uses TLS
};

struct Command {
  const char* usage;
  const char* help;
  std::set<std::string> flags;  // command-specific flags allowed
  size_t min_positional, max_positional;
  std::function<absl::Status(Context&)> run;
};

void PrintJson(const Json& j) { std::cout << j.dump() << "\n"; }

std::string OneLine(absl::string_view message) {
  return absl::StrReplaceAll(message, {{"\n", " "}, {"\r", " "}});
}

// The user's mistake in calling archivectl: exit 2 (exit_codes.h).
absl::Status Usage(const std::string& message) { return UsageError(message); }

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

absl::StatusOr<v1::Revision> SingleHead(Context& c, const std::string& doc);

// A put is reported only once the archive's receipt for it verifies.
absl::StatusOr<VerifiedReceipt> VerifyPutReceipt(Context& c,
                                                 const std::string& doc,
                                                 const v1::PutResponse& reply) {
  auto verified =
      c.verifier.VerifyReceipt(reply.receipt(), {doc, reply.revision_id()});
  if (!verified.ok()) {
    return absl::DataLossError(
        absl::StrCat("the archive's receipt for ", reply.revision_id(),
                     " does not verify: ", verified.status().message()));
  }
  return verified;
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
  auto reply = c.client.PutFile(
      path, header, [&](uint64_t d, uint64_t) { bar.Update(d); }, &guesser);
  if (!reply.ok()) return reply.status();
  auto verified = VerifyPutReceipt(c, header.document_id(), *reply);
  if (!verified.ok()) return verified.status();
  if (c.json) {
    Json j;
    j["revision_id"] = reply->revision_id();
    j["created"] = reply->created();
    j["revision"] = RevisionJson(reply->revision());
    j["checkpoint_size"] = verified->checkpoint.size;
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

v1::GetRequest GetRequestFrom(const Args& a, const std::string& doc) {
  v1::GetRequest request;
  request.set_document_id(doc);
  request.set_revision_id(a.Get("rev"));
  request.set_head(a.Has("head"));
  return request;
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

absl::Status RunHistory(Context& c) {
  const std::string& doc = c.args.positional()[0];
  std::set<std::string> untrusted;
  auto history = c.verifier.History(doc, &untrusted);
  if (!history.ok()) return history.status();
  if (!untrusted.empty()) {
    std::cerr << "archivectl: revisions of " << doc << " from "
              << absl::StrJoin(untrusted, ", ")
              << " are shown as included in the archive's signed log; their "
                 "origin's signature is not checked (no key for it in "
              << c.verifier.trust().path() << ")\n";
  }
  if (c.json) {
    Json j;
    j["document_id"] = doc;
    j["heads"] = Json::array();
    for (const std::string& h : history->heads()) j["heads"].push_back(h);
    j["authoritative"] = history->authoritative();
    j["revisions"] = Json::array();
    for (const v1::Revision& r : history->revisions())
      j["revisions"].push_back(RevisionJson(r));
    PrintJson(j);
    return absl::OkStatus();
  }
  if (history->authoritative().empty() && history->heads_size() == 1) {
    std::cout << "no authoritative version: every revision of " << doc
              << " is a draft\n\n";
  }
  if (history->heads_size() > 1) {
    std::cout << "conflict: " << doc << " has " << history->heads_size()
              << " heads: " << absl::StrJoin(history->heads(), ", ")
              << "\n  resolve with: archivectl put FILE --id " << doc
              << " --parent " << absl::StrJoin(history->heads(), " --parent ")
              << "\n\n";
  }
  for (const v1::Revision& r : history->revisions()) {
    bool head = std::find(history->heads().begin(), history->heads().end(),
                          r.revision_id()) != history->heads().end();
    bool authoritative = r.revision_id() == history->authoritative();
    std::cout << "revision " << r.revision_id() << (head ? "  (head)" : "")
              << (authoritative ? "  (authoritative)" : "") << "\n"
              << "  submitted-at  " << r.submitted_at() << "\n"
              << "  status        " << r.metadata().status() << "\n"
              << "  size          " << r.size() << " bytes ("
              << HumanSize(r.size()) << ")\n"
              << "  sha256        " << r.sha256() << "\n"
              << "  origin        " << r.origin() << "\n"
              << "  submitted-by  " << r.submitted_by() << "\n";
    if (!r.metadata().note().empty())
      std::cout << "  note          " << r.metadata().note() << "\n";
    for (const v1::Relation& rel : r.metadata().relations())
      std::cout << "  relation      " << rel.kind() << " " << rel.document_id()
                << "\n";
    std::cout << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunList(Context& c) {
  const Args& a = c.args;
  v1::ListRequest request;
  request.set_region(a.Get("region"));
  request.set_issuer(a.Get("issuer"));
  request.set_number(a.Get("number"));
  request.set_status(a.Get("status"));
  request.set_date_from(a.Get("from"));
  request.set_date_to(a.Get("to"));
  request.set_query(a.Get("query"));
  request.set_page_size(1000);
  Json docs = Json::array();
  std::vector<std::string> damage;  // what the archive could not read
  do {
    auto page = c.client.List(request);
    if (!page.ok()) return page.status();
    for (const std::string& d : page->damage()) damage.push_back(d);
    for (const v1::DocumentSummary& d : page->documents()) {
      const v1::Revision& r = d.latest();
      if (!r.damage().empty()) {
        damage.push_back(absl::StrCat(d.document_id(), ": ", r.damage()));
      }
      if (c.json) {
        Json j;
        j["document_id"] = d.document_id();
        j["heads"] = Json::array();
        for (const std::string& h : d.heads()) j["heads"].push_back(h);
        j["revision_count"] = d.revision_count();
        j["latest"] = RevisionJson(r);
        j["authoritative"] = d.authoritative();
        docs.push_back(j);
        continue;
      }
      std::string head = d.heads_size() == 1
                             ? d.heads(0).substr(0, 12)
                             : absl::StrCat("CONFLICT(", d.heads_size(), ")");
      if (!r.damage().empty()) {
        std::cout << d.document_id() << "  " << head << "  rev "
                  << d.revision_count() << "  DAMAGED (the archive cannot "
                  << "read this revision's record)\n";
        continue;
      }
      std::cout << d.document_id() << "  " << head << "  rev "
                << d.revision_count() << "  " << r.metadata().status() << "  "
                << (r.metadata().date().empty() ? "-" : r.metadata().date())
                << "  " << r.metadata().title() << "\n";
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  if (c.json) PrintJson(docs);
  if (damage.empty()) return absl::OkStatus();
  // Everything readable was listed; the exit status says it is not all.
  return absl::DataLossError(absl::StrCat(
      "the listing is incomplete: the archive reports damaged records: ",
      absl::StrJoin(damage, "; "),
      ". Its operator can restore them with archivectl scrub --repair "
      "--peer PEER"));
}

// The single head of `doc`, or why there is none to build on.
absl::StatusOr<v1::Revision> SingleHead(Context& c, const std::string& doc) {
  v1::HistoryRequest request;
  request.set_document_id(doc);
  request.set_page_size(1);
  auto history = c.client.History(request);
  if (!history.ok()) return history.status();
  if (history->heads_size() != 1 || history->revisions_size() == 0) {
    return WithExit(absl::FailedPreconditionError(absl::StrCat(
                        doc, " has ", history->heads_size(), " heads (",
                        absl::StrJoin(history->heads(), ", "),
                        "); resolve the conflict with a merging put first")),
                    kExitConflict);
  }
  return history->revisions(0);  // newest first: the head
}

absl::Status RunStatus(Context& c) {
  const std::string& doc = c.args.positional()[0];
  const std::string& status = c.args.positional()[1];
  auto head = SingleHead(c, doc);
  if (!head.ok()) return head.status();
  v1::PutHeader header;
  header.set_document_id(doc);
  header.set_sha256(head->sha256());
  header.set_size(head->size());
  header.set_reuse_content(true);
  header.add_expected_parents(head->revision_id());
  header.set_as_name(c.args.Get("as"));
  v1::Metadata* m = header.mutable_metadata();
  *m = head->metadata();
  KeepWordsOnly(m);
  m->set_status(status);
  m->set_note(c.args.Get("note"));
  if (c.args.Has("effective")) m->set_effective(c.args.Get("effective"));
  if (c.args.Has("expires")) m->set_expires(c.args.Get("expires"));
  if (c.args.Has("by")) {
    std::string kind = RelationKindForStatus(status);
    if (kind.empty()) {
      return Usage(
          "--by applies to the statuses repealed, amended and expired");
    }
    const std::string other = c.args.Get("by");
    v1::HistoryRequest probe;
    probe.set_document_id(other);
    probe.set_page_size(1);
    if (auto found = c.client.History(probe); !found.ok()) {
      return absl::NotFoundError(
          absl::StrCat("--by ", other, ": ", found.status().message(),
                       " (archive the other document first)"));
    }
    bool present = false;
    for (const v1::Relation& r : m->relations())
      present |= r.kind() == kind && r.document_id() == other;
    if (!present) {
      v1::Relation* r = m->add_relations();
      r->set_kind(kind);
      r->set_document_id(other);
    }
  }
  auto reply = c.client.PutBytes("", header);
  if (!reply.ok()) return reply.status();
  auto verified = VerifyPutReceipt(c, doc, *reply);
  if (!verified.ok()) return verified.status();
  if (c.json) {
    Json j;
    j["revision_id"] = reply->revision_id();
    j["created"] = reply->created();
    j["previous_status"] = head->metadata().status();
    j["revision"] = RevisionJson(reply->revision());
    PrintJson(j);
    return absl::OkStatus();
  }
  std::cout << reply->revision_id() << "\n";
  std::cerr << "archivectl: " << doc << ": " << head->metadata().status()
            << " -> " << status
            << (c.args.Has("by") ? absl::StrCat(" (by ", c.args.Get("by"), ")")
                                 : "")
            << (reply->created() ? "; same content, no bytes uploaded"
                                 : "; unchanged, nothing stored")
            << "\n";
  return absl::OkStatus();
}

absl::Status RunRelations(Context& c) {
  const std::string& doc = c.args.positional()[0];
  auto reply = c.client.Relations(doc);
  if (!reply.ok()) return reply.status();
  if (c.json) {
    Json j = Json::array();
    for (const v1::RelationEdge& e : reply->relations()) {
      j.push_back({{"kind", e.kind()},
                   {"other", e.other()},
                   {"declared_by", e.declared_by()},
                   {"revision_id", e.revision_id()}});
    }
    PrintJson({{"document_id", doc}, {"relations", j}});
    return absl::OkStatus();
  }
  if (reply->relations_size() == 0) {
    std::cout << doc << " has no recorded relations\n";
  }
  for (const v1::RelationEdge& e : reply->relations()) {
    std::cout << doc << "  " << e.kind() << "  " << e.other()
              << "   (declared by " << e.declared_by() << ", revision "
              << e.revision_id().substr(0, 12) << ")\n";
  }
  return absl::OkStatus();
}

absl::Status RunSearch(Context& c) {
  v1::SearchRequest request;
  request.set_query(absl::StrJoin(c.args.positional(), " "));
  if (c.args.Has("limit")) {
    uint32_t limit;
    if (!absl::SimpleAtoi(c.args.Get("limit"), &limit) || limit == 0) {
      return Usage("--limit must be a positive number");
    }
    request.set_limit(limit);
  }
  auto reply = c.client.Search(request);
  if (!reply.ok()) return reply.status();
  if (reply->indexed_through() < reply->log_size()) {
    std::cerr << "archivectl: the index is still catching up ("
              << reply->indexed_through() << " of " << reply->log_size()
              << " log entries); results may be incomplete\n";
  }
  if (c.json) {
    Json hits = Json::array();
    for (const v1::SearchHit& h : reply->hits()) {
      hits.push_back({{"document_id", h.document_id()},
                      {"revision_id", h.revision_id()},
                      {"title", h.title()},
                      {"snippet", h.snippet()},
                      {"occurrences", h.occurrences()},
                      {"score", h.score()}});
    }
    PrintJson({{"query", request.query()},
               {"total_matches", reply->total_matches()},
               {"hits", hits}});
    return absl::OkStatus();
  }
  std::cout << reply->total_matches() << " document(s) match \""
            << request.query() << "\"\n";
  int rank = 0;
  for (const v1::SearchHit& h : reply->hits()) {
    std::cout << "\n"
              << ++rank << ". " << h.document_id() << "  (" << h.occurrences()
              << " matches, score " << absl::StrFormat("%.2f", h.score())
              << ")\n";
    if (!h.title().empty()) std::cout << "   " << h.title() << "\n";
    std::cout << "   " << h.snippet() << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunImportBag(Context& c);

// Archives the documents a manifest lists (bulk_import.h); safe to re-run.
absl::Status RunImport(Context& c) {
  const Args& a = c.args;
  if (a.Has("bagit")) return RunImportBag(c);
  if (a.positional().size() != 1) {
    return Usage(
        "usage: archivectl import MANIFEST.tsv --dir DIR | import --bagit DIR");
  }
  const std::string& manifest_path = a.positional()[0];
  if (!a.Has("dir")) {
    return Usage("import needs --dir DIR (where the manifest's files are)");
  }
  ImportOptions options;
  options.dir = a.Get("dir");
  if (a.Has("revision")) {
    auto revision = ParseRevisionChoice(a.Get("revision"));
    if (!revision.ok()) return Usage(std::string(revision.status().message()));
    options.revision = *revision;
  }
  options.status = a.Get("status");
  if (a.Has("status") && !IsKnownStatus(options.status)) {
    return Usage(
        "--status must be draft, in_force, amended, repealed or expired");
  }
  options.note = a.Get("note");
  options.as_name = a.Get("as");
  auto layout = ResolveLayout(options.dir, options.revision);
  if (!layout.ok()) return Usage(std::string(layout.status().message()));
  auto text = Env::Default()->ReadFile(manifest_path);
  if (!text.ok()) {
    return absl::NotFoundError(
        absl::StrCat("cannot read manifest ", manifest_path));
  }
  auto rows = ParseManifest(*text, manifest_path);
  if (!rows.ok()) return rows.status();

  BulkImporter importer(&c.client, &c.verifier, options, *layout);
  std::vector<uint64_t> row_bytes;
  uint64_t total = 0;
  for (const ManifestRow& row : *rows) {
    row_bytes.push_back(importer.FileBytes(row));
    total += row_bytes.back();
  }
  ProgressBar bar("import", total, /*min_total=*/0);
  ImportReport report(c.json, &std::cout);
  uint64_t done = 0;
  bool stopped = false;
  for (size_t i = 0; i < rows->size(); ++i) {
    const ManifestRow& row = (*rows)[i];
    if (stopped) {
      report.NotAttempted(row);
      continue;
    }
    bar.SetLabel(absl::StrCat("import ", i + 1, "/", rows->size()));
    RowResult result = importer.Import(row, [&](uint64_t row_done) {
      bar.Update(done + std::min(row_done, row_bytes[i]));
    });
    done += row_bytes[i];
    bar.Clear();
    report.Row(row, result);
    std::cout.flush();
    bar.Update(done);
    stopped = result.stops_import;
  }
  bar.Clear();
  return report.Finish(manifest_path, *layout);
}

// How diff shows a change: the plain unified diff (byte-identical to GNU
// `diff -u --minimal`) for programs, and for people the changed characters
// marked within the lines (char_diff.h). Plain unless asked otherwise or
// writing to a terminal (colour there, or brackets under NO_COLOR).
enum class DiffStyle { kPlain, kBrackets, kColor };

absl::StatusOr<DiffStyle> DiffStyleFrom(const Args& a) {
  const bool brackets = a.Has("chars") || a.Has("words");
  if (a.Has("plain") + brackets + a.Has("color") > 1) {
    return Usage("give one of --plain, --chars (--words) and --color");
  }
  if (a.Has("plain")) return DiffStyle::kPlain;
  if (brackets) return DiffStyle::kBrackets;
  if (a.Has("color")) return DiffStyle::kColor;
  if (!::isatty(STDOUT_FILENO)) return DiffStyle::kPlain;
  const char* no_color = std::getenv("NO_COLOR");
  return no_color && *no_color ? DiffStyle::kBrackets : DiffStyle::kColor;
}

absl::Status RunDiff(Context& c) {
  const auto& p = c.args.positional();
  auto style = DiffStyleFrom(c.args);
  if (!style.ok()) return style.status();
  std::string texts[2];
  for (int i = 0; i < 2; ++i) {
    v1::GetRequest request;
    request.set_document_id(p[0]);
    request.set_revision_id(p[1 + i]);
    auto bytes = c.verifier.GetBytes(request);
    if (!bytes.ok()) return bytes.status();
    texts[i] = std::move(*bytes);
  }
  DiffOptions options;
  options.old_label = absl::StrCat(p[0], "@", p[1].substr(0, 12));
  options.new_label = absl::StrCat(p[0], "@", p[2].substr(0, 12));
  std::string diff = UnifiedDiff(texts[0], texts[1], options);
  if (c.json) {
    Json j;
    j["document_id"] = p[0];
    j["from"] = p[1];
    j["to"] = p[2];
    j["identical"] = diff.empty();
    j["diff"] = diff;
    if (*style == DiffStyle::kBrackets) {
      j["marked_diff"] = MarkChangedCharacters(diff, MarkStyle::kBrackets);
    }
    PrintJson(j);
  } else if (*style == DiffStyle::kPlain) {
    std::cout << diff;
  } else {
    std::cout << MarkChangedCharacters(diff, *style == DiffStyle::kColor
                                                 ? MarkStyle::kColor
                                                 : MarkStyle::kBrackets);
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

absl::Status RunStatement(Context& c) {
  const std::string& rev = c.args.positional()[0];
  auto reply = c.args.Has("no-verify") ? c.client.GetStatement(rev)
                                       : c.verifier.Statement(rev);
  if (!reply.ok()) return reply.status();
  if (c.json) {
    Json j;
    j["signed_statement"] = reply->signed_statement();
    j["revision"] = RevisionJson(reply->revision());
    PrintJson(j);
  } else {
    std::cout << reply->signed_statement();
  }
  return absl::OkStatus();
}

absl::Status RunCheckpoint(Context& c) {
  std::string note;
  auto cp = c.verifier.LatestCheckpoint(&note);
  if (!cp.ok()) return cp.status();
  if (c.json) {
    Json j;
    j["origin"] = cp->origin;
    j["tree_size"] = cp->size;
    j["root_hash"] = Base64Encode(cp->root_hash);
    j["checkpoint"] = note;
    PrintJson(j);
  } else {
    std::cout << note;
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ParseSize(const std::string& name,
                                   const std::string& value) {
  uint64_t v = 0;
  if (!absl::SimpleAtoi(value, &v)) {
    return Usage(absl::StrCat(name, " must be a non-negative integer, not \"",
                              value, "\""));
  }
  return v;
}

absl::Status RunProof(Context& c) {
  const auto& p = c.args.positional();
  if (p[0] == "inclusion") {
    if (p.size() != 2)
      return Usage("usage: archivectl proof inclusion REV [--size N]");
    uint64_t size = 0;
    if (c.args.Has("size")) {
      auto s = ParseSize("--size", c.args.Get("size"));
      if (!s.ok()) return s.status();
      size = *s;
    }
    auto proof = c.verifier.InclusionProof(p[1], size);
    if (!proof.ok()) return proof.status();
    PrintJson(InclusionProofJson(*proof));
    return absl::OkStatus();
  }
  if (p[0] == "consistency") {
    if (p.size() != 3)
      return Usage("usage: archivectl proof consistency OLD NEW");
    auto old_size = ParseSize("OLD", p[1]);
    auto new_size = ParseSize("NEW", p[2]);
    if (!old_size.ok()) return old_size.status();
    if (!new_size.ok()) return new_size.status();
    auto proof = c.verifier.ConsistencyProof(*old_size, *new_size);
    if (absl::IsPermissionDenied(proof.status()) && c.tls) {
      // A reader may not read the log entry that proves a root at a size no
      // checkpoint names (verified_fetch.h); say so rather than refuse the
      // proof outright, which an auditor can still check offline.
      auto unverified = c.client.GetConsistencyProof(*old_size, *new_size);
      if (!unverified.ok()) return unverified.status();
      std::cerr << "archivectl: warning: this proof is NOT verified: "
                << OneLine(proof.status().message()) << "\n";
      PrintJson(ConsistencyProofJson(unverified->proof()));
      return absl::OkStatus();
    }
    if (!proof.ok()) return proof.status();
    PrintJson(ConsistencyProofJson(*proof));
    return absl::OkStatus();
  }
  return Usage("proof takes \"inclusion REV\" or \"consistency OLD NEW\"");
}

absl::Status RunSync(Context& c) {
  const std::string& peer = c.args.positional()[0];
  auto report = c.client.Sync(peer);
  if (!report.ok()) return report.status();
  if (c.json) {
    Json j;
    j["peer"] = peer;
    j["peer_origin"] = report->peer_origin();
    j["start_index"] = report->start_index();
    j["imported"] = report->imported();
    j["already_present"] = report->already_present();
    j["blobs_fetched"] = report->blobs_fetched();
    j["bytes_fetched"] = report->bytes_fetched();
    j["checkpoint_size"] = report->checkpoint_size();
    j["conflicts"] = Json::array();
    for (const std::string& d : report->conflicts())
      j["conflicts"].push_back(d);
    PrintJson(j);
    return absl::OkStatus();
  }
  std::cout << "pulled " << report->peer_origin() << " (" << peer
            << ") up to its checkpoint " << report->checkpoint_size()
            << ", from entry " << report->start_index() << "\n"
            << "  imported         " << report->imported() << " revisions\n"
            << "  already present  " << report->already_present() << "\n"
            << "  blobs fetched    " << report->blobs_fetched() << " ("
            << HumanSize(report->bytes_fetched()) << ")\n";
  for (const std::string& d : report->conflicts()) {
    std::cout << "  conflict: " << d
              << " now has several heads (archivectl history " << d << ")\n";
  }
  return absl::OkStatus();
}

absl::Status RunScrub(Context& c) {
  v1::ScrubRequest request;
  request.set_repair(c.args.Has("repair"));
  for (const std::string& p : c.args.GetAll("peer")) request.add_peers(p);
  auto report = c.client.Scrub(request);
  if (!report.ok()) return report.status();
  return PrintScrubReport(*report, c.json, request.repair(), std::cout);
}

absl::Status RunCheck(Context& c) {
  const std::string& doc = c.args.positional()[0];
  auto history = c.client.FullHistory(doc);
  if (!history.ok()) return history.status();
  // Each revision's signature is graded below; the listing must hold together
  // first, or the report would grade revisions the archive chose to show.
  if (absl::Status s = CheckHistory(doc, *history); !s.ok()) return s;
  CheckOptions options;
  options.server = c.server;
  options.connection_tls = c.tls;
  RecordChecker checker = RecordChecker::Open(&c.client, &c.verifier, options);
  CheckRun run{doc, options.now, &checker.archive(), {}};
  std::string only = c.args.Get("rev");
  for (const v1::Revision& r : history->revisions()) {
    if (!only.empty() && r.revision_id() != only) continue;
    bool head = std::find(history->heads().begin(), history->heads().end(),
                          r.revision_id()) != history->heads().end();
    run.revisions.push_back(checker.Check(r, head));
  }
  if (run.revisions.empty()) {
    return absl::NotFoundError(
        absl::StrCat("revision ", only, " is not a revision of ", doc,
                     " (see archivectl history ", doc, ")"));
  }
  if (c.json) {
    PrintJson(CheckRunJson(run));
  } else {
    std::cout << CheckRunText(run);
  }
  if (run.verdict() == Verdict::kFail)
    return absl::FailedPreconditionError(FirstFailure(run));
  return absl::OkStatus();
}

// Prints a bag export or import report (JSON with --json).
template <typename Report>
absl::Status PrintReport(const Context& c,
                         const absl::StatusOr<Report>& report) {
  if (!report.ok()) return report.status();
  if (c.json) {
    PrintJson(report->ToJson());
  } else {
    std::cout << report->Summary();
  }
  return absl::OkStatus();
}

absl::Status RunExport(Context& c) {
  if (!c.args.Has("bagit"))
    return Usage("export needs --bagit DIR (BagIt is the export format)");
  return PrintReport(c, ExportBag(c.client, c.verifier, c.args.Get("bagit"),
                                  c.args.GetAll("id")));
}

// import --bagit DIR (the other form, a manifest, is RunImport's).
absl::Status RunImportBag(Context& c) {
  if (!c.args.positional().empty())
    return Usage("import --bagit DIR takes no other arguments");
  return PrintReport(c, ImportBag(c.client, c.verifier, c.args.Get("bagit")));
}

// The client's version, then the server's: the client's is printed even when
// the server cannot say its own.
absl::Status RunVersion(Context& c) {
  Json j;
  j["client_version"] = VersionString();
  if (!c.json) std::cout << VersionLine("archivectl") << "\n";
  auto info = c.client.GetArchiveInfo();
  if (!info.ok()) {
    if (c.json) PrintJson(j);
    return info.status();
  }
  std::string server = info->server_version().empty()
                           ? "unknown (this archived does not report it)"
                           : info->server_version();
  if (c.json) {
    j["server"] = c.server;
    j["server_origin"] = info->origin();
    j["server_version"] = server;
    PrintJson(j);
  } else {
    std::cout << "archived " << server << " (" << info->origin() << " at "
              << c.server << ")\n";
  }
  return absl::OkStatus();
}

const std::map<std::string, Command>& Commands() {
  static const auto* commands = new std::map<std::string, Command>{
      {"put",
       {"put FILE --id DOC [--title T] [--issuer I] [--number N] [--region R] "
        "[--date YYYY-MM-DD]\n"
        "    [--status S] [--source S] [--note TEXT] [--parent REV]... "
        "[--media-type TYPE]\n"
        "    [--effective YYYY-MM-DD] [--expires YYYY-MM-DD] "
        "[--relation KIND:DOC]... [--keep-metadata]",
        "Archive FILE as a new revision of DOC and print its revision id. "
        "Status defaults to\n"
        "in_force (draft|in_force|amended|repealed|expired); the media type is "
        "guessed from\n"
        "the bytes. --parent makes the put conditional: it fails if DOC's head "
        "is no longer\n"
        "REV; naming every head of a conflicted document merges them. Putting "
        "what is\n"
        "already the head (same content and metadata) stores nothing and "
        "prints its id.\n"
        "--date is the issue date; --effective and --expires the dates the "
        "policy applies\n"
        "from and until. --relation declares a relation to another document: "
        "KIND is\n"
        "repeals, amends, implements or supersedes (or repealed-by, "
        "amended-by,\n"
        "implemented-by, superseded-by), e.g. --relation "
        "repeals:gx-2020-guizhengbanfa-70.\n"
        "--keep-metadata starts from the head's metadata (title, issuer, "
        "number, region,\n"
        "dates, source, status, relations; not the note or media type), "
        "flags given override\n"
        "it, and the put is conditional on that head: a correction keeps its "
        "metadata.",
        {"id", "title", "issuer", "number", "region", "date", "status",
         "source", "note", "parent", "media-type", "effective", "expires",
         "relation", "keep-metadata"},
        1,
        1,
        RunPut}},
      {"get",
       {"get DOC [--rev REV | --head] [-o FILE] [--receipt DIR]",
        "Fetch and verify the authoritative version of DOC (newest non-draft "
        "revision on\n"
        "its single head), or REV, or with --head the head even if a draft. "
        "Verifies the\n"
        "digest, the statement's signature, its inclusion in a checkpoint "
        "signed by a\n"
        "trusted key and that checkpoint's consistency with the last one seen; "
        "only then is\n"
        "FILE written (atomically). Without -o the bytes go to stdout. "
        "--receipt DIR writes\n"
        "statement.note, statement.txt, statement.sig, checkpoint.note and "
        "inclusion.json.",
        {"rev", "head", "output", "receipt"},
        1,
        1,
        RunGet}},
      {"status",
       {"status DOC STATUS [--by OTHER_DOC] [--note TEXT] [--effective DATE] "
        "[--expires DATE]",
        "Record a lifecycle change of DOC as a new revision with the same "
        "content (no bytes\n"
        "are uploaded) and metadata, only STATUS (draft|in_force|amended|"
        "repealed|expired)\n"
        "and the given fields changed. --by OTHER_DOC records who did it: "
        "repealed -> the\n"
        "relation repealed-by OTHER_DOC, amended -> amended-by, expired -> "
        "superseded-by.\n"
        "The change is conditional on DOC's current head, so two people "
        "cannot overwrite\n"
        "each other. The authoritative version of a document is its newest "
        "non-draft\n"
        "revision on its single head, so a repealed policy's text stays "
        "retrievable and\n"
        "`archivectl ls --status in_force` no longer lists it.",
        {"by", "note", "effective", "expires"},
        2,
        2,
        RunStatus}},
      {"relations",
       {"relations DOC",
        "Relations of DOC both ways: those its head declares (DOC repeals X) "
        "and those other\n"
        "documents declare about it (Y repeals DOC, shown as DOC repealed-by "
        "Y).",
        {},
        1,
        1,
        RunRelations}},
      {"search",
       {"search QUERY... [--limit N]",
        "Full-text search over the authoritative text of every document. "
        "Every term (split\n"
        "on spaces) must occur exactly; Chinese needs no spaces (数据共享 "
        "finds the phrase).\n"
        "Matches ignore ASCII case. Prints documents best first, each with "
        "a snippet around\n"
        "the first match marked 【…】. Default limit 20.",
        {"limit"},
        1,
        64,
        RunSearch}},
      {"history",
       {"history DOC",
        "List DOC's revisions, newest first, marking the head(s) and the "
        "authoritative\n"
        "revision (newest non-draft on the single head).",
        {},
        1,
        1,
        RunHistory}},
      {"ls",
       {"ls [--region R] [--issuer I] [--number N] [--status S] [--from DATE] "
        "[--to DATE]\n"
        "    [--query TEXT]",
        "List documents with their head, filtered on the newest revision's "
        "metadata.",
        {"region", "issuer", "number", "status", "from", "to", "query"},
        0,
        0,
        RunList}},
      {"diff",
       {"diff DOC REV_A REV_B [--plain | --chars | --color]",
        "Unified line diff between two verified revisions of DOC. Written to "
        "a terminal, the\n"
        "changed characters within each changed line are shown in colour; "
        "--chars (or\n"
        "--words) marks them as [-removed-] and {+added+} instead, --color "
        "forces colour.\n"
        "Characters are whole UTF-8 code points, and a removed or added line "
        "break shows\n"
        "as \u21b5. Otherwise (--plain, or not a terminal) the output is the "
        "plain unified\n"
        "diff, byte-identical to GNU `diff -u --minimal`.",
        {"plain", "chars", "words", "color"},
        3,
        3,
        RunDiff}},
      {"import",
       {"import MANIFEST.tsv --dir DIR [--revision raw|clean|both] "
        "[--status S] [--note TEXT]\n"
        "    | import --bagit DIR",
        "Archive every document MANIFEST.tsv lists (tab-separated, header "
        "line first; columns\n"
        "id (required), region, title, issuer, doc_number, date, note, "
        "status, source,\n"
        "raw_sha256, raw_bytes, clean_sha256, clean_bytes) with its metadata. "
        "Files: DIR/raw/ID.txt\n"
        "and DIR/clean/ID.txt if DIR has raw/ and clean/ (--revision both, "
        "the default, puts\n"
        "raw then clean as two revisions), else DIR/ID.txt (the clean text). "
        "Each file is\n"
        "checked against the manifest's sha256 and bytes before it is sent; a "
        "mismatch fails\n"
        "that row only. Safe to run again: what the archive already holds is "
        "verified and\n"
        "skipped, an interrupted import resumes. Status: --status, else the "
        "status column,\n"
        "else a note starting with a status word, else in_force. Exits "
        "non-zero if any row\n"
        "failed, naming each.\n\n"
        "With --bagit DIR: validate the bag at DIR completely (bagit.txt, "
        "every manifest\n"
        "checksum both ways, Payload-Oxum, tag manifest, every statement's "
        "signature by a\n"
        "trusted origin, every content digest) and only then import its "
        "revisions, keeping\n"
        "their signed statements: same revision ids, origin, submitter and "
        "time. Revisions\n"
        "already there are skipped and counted. The archive must trust the "
        "statements'\n"
        "origins too (archived --trust).",
        {"dir", "revision", "status", "note", "bagit"},
        0,
        1,
        RunImport}},
      {"verify",
       {"verify FILE --id DOC [--rev REV]",
        "Check that FILE is byte-identical to DOC's authoritative (or the "
        "given) revision.\n"
        "Exits 0 if it is, 4 with the reason if not.",
        {"id", "rev", "head"},
        1,
        1,
        RunVerify}},
      {"statement",
       {"statement REV [--no-verify]",
        "Print REV's signed statement verbatim, after checking its signature.",
        {"no-verify"},
        1,
        1,
        RunStatement}},
      {"checkpoint",
       {"checkpoint",
        "Print the archive's latest signed checkpoint, after verifying it.",
        {},
        0,
        0,
        RunCheckpoint}},
      {"scrub",
       {"scrub [--repair] [--peer HOST:PORT]...",
        "Make the server re-hash every stored document and check every "
        "statement, metadata\n"
        "record and log leaf, and report all damage. With --repair, damaged "
        "documents are\n"
        "fetched again from the configured peers (and each --peer), verified, "
        "and replaced;\n"
        "damaged revision records are restored from a peer's copy of their "
        "signed statement\n"
        "(accepted only if it is the statement this archive's log holds), "
        "and once all are\n"
        "back the metadata store is rewritten without its damaged blocks. "
        "Exits non-zero if\n"
        "damage remains.",
        {"repair", "peer"},
        0,
        0,
        RunScrub}},
      {"check",
       {"check DOC [--rev REV]",
        "四性检测: check every revision of DOC (newest first), or only REV, "
        "for\n"
        "authenticity 真实性 (statement signed by a trusted origin, "
        "provenance present and\n"
        "plausible), integrity 完整性 (content re-hashed, inclusion in a "
        "signed checkpoint\n"
        "consistent with the ones seen, title/issuer/number/date present), "
        "usability 可用性\n"
        "(bytes readable, non-empty, matching the media type) and security "
        "安全性 (TLS, who\n"
        "may read, archive, sync and administer, the last scrub). Each is "
        "pass, warn or\n"
        "fail with the reasons; exits 1 if any fails. --json gives the report "
        "for records\n"
        "systems (see README).",
        {"rev"},
        1,
        1,
        RunCheck}},
      {"sync",
       {"sync PEER_HOST:PORT",
        "Make the server (--server) pull from the archive at PEER_HOST:PORT "
        "now and print\n"
        "what it imported. The peer's origin must be trusted by the server "
        "(archived\n"
        "--trust or --config). Every checkpoint, entry and statement is "
        "verified; a\n"
        "forked or shrunk peer log, a bad signature or content that does not "
        "match its\n"
        "digest stops the pull with a non-zero exit, keeping everything "
        "already here.",
        {},
        1,
        1,
        RunSync}},
      {"export",
       {"export --bagit DIR [--id DOC]...",
        "Write every revision of each DOC (of every document without --id) "
        "into a new\n"
        "BagIt bag (RFC 8493) at DIR: content, signed statement and receipt "
        "per revision,\n"
        "parents before children, with SHA-256 manifests and bag-info.txt "
        "naming the\n"
        "archive, its key and the checkpoint the export was verified against. "
        "Every\n"
        "revision is verified first. DIR must not exist or be empty; nothing "
        "appears\n"
        "there unless the whole export succeeds.",
        {"bagit", "id"},
        0,
        0,
        RunExport}},
      {"proof",
       {"proof inclusion REV [--size N] | proof consistency OLD NEW",
        "Print an RFC 6962 proof as JSON.",
        {"size"},
        2,
        3,
        RunProof}},
      {"version",
       {"version",
        "Print archivectl's version, then the server's (GetArchiveInfo). If "
        "the server\n"
        "cannot be reached, the client's version is still printed, and the "
        "exit code says\n"
        "why (5: unreachable).",
        {},
        0,
        0,
        RunVersion}},
      // help and completion need no archive; Main runs them (LocalCommand).
      {"help",
       {"help [COMMAND]",
        "Print the commands, or COMMAND's help (as archivectl COMMAND --help).",
        {},
        0,
        1,
        nullptr}},
      {"completion",
       {"completion bash",
        "Print a bash completion script for archivectl's commands and flags. "
        "Use:\n"
        "  source <(archivectl completion bash)",
        {},
        1,
        1,
        nullptr}},
  };
  return *commands;
}

FlagSpec AllFlags() {
  FlagSpec spec;
  spec.with_value = {"server", "trust", "as", "tls_ca", "tls_cert", "tls_key"};
  spec.boolean = {"json",      "help",   "version",      "head",
                  "no-verify", "repair", "plain",        "chars",
                  "words",     "color",  "keep-metadata"};
  for (const auto& [name, cmd] : Commands()) {
    for (const std::string& f : cmd.flags) {
      if (!spec.boolean.count(f)) spec.with_value.insert(f);
    }
  }
  spec.aliases = {{"-o", "output"}, {"-h", "help"}};
  return spec;
}

// The command table as help and completion see it (completion.h).
CliTable Table() {
  CliTable table;
  for (const auto& [name, cmd] : Commands()) {
    CommandFlags c{name, {cmd.flags.begin(), cmd.flags.end()}, {}};
    if (name == "help") {
      for (const auto& [other, unused] : Commands()) c.words.push_back(other);
    }
    if (name == "completion") c.words = {"bash"};
    if (name == "proof") c.words = {"inclusion", "consistency"};
    table.commands.push_back(std::move(c));
  }
  table.global_flags = {"server",   "json",    "trust", "as",     "tls_ca",
                        "tls_cert", "tls_key", "help",  "version"};
  table.with_value = AllFlags().with_value;
  return table;
}

void PrintHelp() {
  std::cout << "archivectl: client for Policy Archive, a verifiable archive of "
               "policy "
               "documents.\n\nCommands:\n";
  for (const auto& [name, cmd] : Commands())
    std::cout << "  " << cmd.usage << "\n";
  std::cout << "\n"
            << kGlobalHelp << "\n"
            << kExitCodesHelp
            << "\nRun archivectl help COMMAND (or archivectl COMMAND --help) "
               "for details.\n";
}

void PrintCommandHelp(const Command& cmd) {
  std::cout << "usage: archivectl " << cmd.usage << "\n\n" << cmd.help << "\n";
  if (!cmd.flags.empty()) {
    std::cout << "\nFlags: " << FlagList({cmd.flags.begin(), cmd.flags.end()})
              << "\n";
  }
  std::cout << "\n" << kGlobalHelp;
}

// Reports failure `s` (one line on stderr; with --json also the error object
// on stdout, after or within `printed`, the command's JSON output) and
// returns its exit code.
int Fail(const absl::Status& s, bool json, const std::string& printed = "") {
  const std::string message = OneLine(s.message());
  std::cerr << "archivectl: " << message << "\n";
  if (json) std::cout << JsonFailureOutput(printed, s, message);
  return ExitCodeFor(s);
}

// help [COMMAND] and completion bash: no archive involved.
int LocalCommand(const Args& args, bool json) {
  const std::vector<std::string>& p = args.positional();
  if (args.command() == "completion") {
    if (p[0] != "bash") {
      return Fail(Usage(absl::StrCat("completion: unknown shell \"", p[0],
                                     "\" (only bash)")),
                  json);
    }
    std::cout << BashCompletion("archivectl", Table());
    return kExitOk;
  }
  if (p.empty()) {
    PrintHelp();
    return kExitOk;
  }
  auto it = Commands().find(p[0]);
  if (it == Commands().end()) {
    return Fail(Usage(absl::StrCat("help: unknown command \"", p[0],
                                   "\" (see archivectl help)")),
                json);
  }
  PrintCommandHelp(it->second);
  return kExitOk;
}

// The document a failed command was about, for the conflict check below.
std::string DocumentOf(const Args& args) {
  if (args.Has("id")) return args.Get("id");
  static const std::set<std::string> by_position = {"get", "status", "check"};
  if (by_position.count(args.command()) && !args.positional().empty())
    return args.positional()[0];
  return "";
}

int Main(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, AllFlags());
  if (!args.ok()) {
    bool json = false;
    for (int i = 1; i < argc; ++i) json |= std::string(argv[i]) == "--json";
    return Fail(WithExit(args.status(), kExitUsage), json);
  }
  const bool json = args->Has("json");
  if (args->Has("version")) {
    std::cout << VersionLine("archivectl") << "\n";
    return kExitOk;
  }
  if (args->command().empty()) {
    PrintHelp();
    return args->Has("help") ? kExitOk : kExitUsage;
  }
  auto it = Commands().find(args->command());
  if (it == Commands().end()) {
    return Fail(Usage(absl::StrCat("unknown command \"", args->command(),
                                   "\" (see archivectl --help)")),
                json);
  }
  const Command& cmd = it->second;
  if (args->Has("help")) {
    PrintCommandHelp(cmd);
    return kExitOk;
  }
  for (const char* flag :
       {"id", "title", "rev", "parent", "size", "output", "receipt", "dir",
        "revision", "plain", "chars", "words", "color"}) {
    if (args->Has(flag) && !cmd.flags.count(flag)) {
      return Fail(Usage(absl::StrCat("--", flag, " does not apply to ",
                                     args->command())),
                  json);
    }
  }
  size_t n = args->positional().size();
  if (n < cmd.min_positional || n > cmd.max_positional) {
    return Fail(Usage(absl::StrCat("usage: archivectl ", cmd.usage)), json);
  }
  if (!cmd.run) return LocalCommand(*args, json);
  const char* env_server = std::getenv("ARCHIVE_SERVER");
  std::string server = args->Get(
      "server", env_server && *env_server ? env_server : "127.0.0.1:7070");
  TlsFiles tls{args->Get("tls_ca"), args->Get("tls_cert"),
               args->Get("tls_key")};
  auto channel = ArchiveClient::Dial(server, tls);
  if (!channel.ok()) return Fail(WithExit(channel.status(), kExitUsage), json);
  ArchiveClient client(std::move(*channel));
  VerifyOptions options;
  std::string config = DefaultClientConfigDir();
  options.trust_file = args->Get("trust", config + "/trusted");
  options.allow_trust_on_first_use = !args->Has("trust");
  options.seen_dir = config + "/checkpoints";
  options.server_address = server;
  options.known_archives_file = config + "/known_archives";
  options.notice = [](const std::string& line) {
    std::cerr << "archivectl: " << line << "\n";
  };
  auto verifier = VerifyingClient::Create(&client, options);
  if (!verifier.ok()) return Fail(verifier.status(), json);
  Context context{*args, json, client, *verifier, server, tls.enabled()};
  // With --json the output is held until the outcome is known, so that a
  // failure can join the command's report (json_error.h).
  std::optional<StdoutCapture> capture;
  if (json) capture.emplace();
  absl::Status s = cmd.run(context);
  if (absl::Status explained = ExplainTlsRefusal(s, server, tls);
      explained != s) {
    // The server refused the client's certificate, or wanted one.
    s = WithExit(std::move(explained), kExitNotPermitted);
  }
  s = MarkSeveralHeads(client, DocumentOf(*args), std::move(s));
  std::string printed = capture ? capture->Release() : "";
  if (!s.ok()) return Fail(s, json, printed);
  std::cout << printed;
  return kExitOk;
}

}  // namespace
}  // namespace archive

int main(int argc, char** argv) { return archive::Main(argc, argv); }
