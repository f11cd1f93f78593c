// history, ls, status, relations, search and diff: what the archive holds.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "clients/api/api_enums.h"
#include "clients/api/history_check.h"
#include "clients/cli/commands.h"
#include "clients/cli/exit_codes.h"
#include "clients/diff/char_diff.h"
#include "clients/diff/line_diff.h"

namespace archive {
namespace cli {

namespace {

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

}  // namespace

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

}  // namespace cli
}  // namespace archive
