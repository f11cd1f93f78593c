#include "clients/api/history_check.h"

#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/api/revision_view.h"
#include "storage/format/statement.h"
#include "storage/verify/receipt_checker.h"

namespace archive {
namespace {

absl::Status Wrong(const std::string& doc, const std::string& why) {
  return absl::DataLossError(
      absl::StrCat("the archive's history of ", doc, " ", why));
}

// The listed statement of `r`, bound to its id by its hash.
absl::StatusOr<VerifiedStatement> ListedStatement(const std::string& doc,
                                                  const v1::Revision& r) {
  auto parsed = ParseStatement(r.statement());
  if (!parsed.ok()) {
    return Wrong(doc, absl::StrCat("lists revision ", r.revision_id(),
                                   " with a statement that does not parse: ",
                                   parsed.status().message()));
  }
  VerifiedStatement listed{RevisionIdOf(r.statement()), r.statement(),
                           std::move(*parsed)};
  if (listed.revision_id != r.revision_id()) {
    return Wrong(doc, absl::StrCat("lists revision ", r.revision_id(),
                                   " with the statement of revision ",
                                   listed.revision_id));
  }
  if (listed.statement.document != doc) {
    return Wrong(doc, absl::StrCat("lists revision ", r.revision_id(),
                                   ", which is of document ",
                                   listed.statement.document));
  }
  if (absl::Status s =
          CheckDescription(r, RevisionFromStatement(listed, r.leaf_index()),
                           absl::StrCat("the archive's history of ", doc));
      !s.ok()) {
    return s;
  }
  return listed;
}

// Newest first: every parent is listed, and after its child.
absl::Status CheckOrder(const std::string& doc,
                        const std::vector<VerifiedStatement>& statements,
                        const std::map<std::string, size_t>& position) {
  for (size_t i = 0; i < statements.size(); ++i) {
    for (const std::string& parent : statements[i].statement.parents) {
      auto it = position.find(parent);
      if (it == position.end()) {
        return Wrong(
            doc, absl::StrCat("leaves out revision ", parent,
                              ", the parent of ", statements[i].revision_id));
      }
      if (it->second < i) {
        return Wrong(
            doc, absl::StrCat("lists revision ", parent, " before its child ",
                              statements[i].revision_id,
                              " (newest first is out of order)"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckHeads(const std::string& doc, const v1::HistoryResponse& h,
                        const std::vector<VerifiedStatement>& statements) {
  std::set<std::string> heads;
  for (const VerifiedStatement& s : statements) heads.insert(s.revision_id);
  for (const VerifiedStatement& s : statements) {
    for (const std::string& parent : s.statement.parents) heads.erase(parent);
  }
  std::set<std::string> named(h.heads().begin(), h.heads().end());
  if (named != heads || static_cast<size_t>(h.heads_size()) != named.size()) {
    return Wrong(
        doc, absl::StrCat("names the heads ", absl::StrJoin(h.heads(), ", "),
                          " but its revisions make the heads ",
                          absl::StrJoin(heads, ", ")));
  }
  return absl::OkStatus();
}

// The authoritative version the parent links give `h`'s single head (the
// archive's rule: a non-draft revision is its own; a draft inherits the
// newest, by leaf index, of its parents' authoritative versions).
std::string ExpectedAuthoritative(
    const v1::HistoryResponse& h,
    const std::vector<VerifiedStatement>& statements) {
  if (h.heads_size() != 1) return "";
  std::map<std::string, std::string> authoritative;
  std::map<std::string, uint64_t> leaf;
  for (const v1::Revision& r : h.revisions())
    leaf[r.revision_id()] = r.leaf_index();
  // Oldest first, so every parent is decided before its children.
  for (auto it = statements.rbegin(); it != statements.rend(); ++it) {
    std::string& mine = authoritative[it->revision_id];
    if (it->statement.status != "draft") {
      mine = it->revision_id;
      continue;
    }
    for (const std::string& parent : it->statement.parents) {
      const std::string& theirs = authoritative[parent];
      if (!theirs.empty() && (mine.empty() || leaf[theirs] >= leaf[mine]))
        mine = theirs;
    }
  }
  return authoritative[h.heads(0)];
}

// DATA_LOSS naming what the archive says it could not read of `doc`'s
// history: a history with a hole cannot be checked, so none of it is shown.
absl::Status CheckNoDamage(const std::string& doc,
                           const v1::HistoryResponse& listed) {
  std::vector<std::string> damaged;
  for (const v1::Revision& r : listed.revisions()) {
    if (!r.damage().empty()) damaged.push_back(r.damage());
  }
  for (const std::string& d : listed.damage()) damaged.push_back(d);
  if (damaged.empty()) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(
      "the archive reports its records of ", doc,
      " damaged: ", absl::StrJoin(damaged, "; "),
      ". The history cannot be verified until the archive's operator "
      "restores them (archivectl scrub --repair --peer PEER)"));
}

}  // namespace

absl::Status CheckHistory(const std::string& doc,
                          const v1::HistoryResponse& listed) {
  if (absl::Status s = CheckNoDamage(doc, listed); !s.ok()) return s;
  std::vector<VerifiedStatement> statements;
  std::map<std::string, size_t> position;
  for (const v1::Revision& r : listed.revisions()) {
    auto statement = ListedStatement(doc, r);
    if (!statement.ok()) return statement.status();
    if (!position.emplace(r.revision_id(), statements.size()).second) {
      return Wrong(doc,
                   absl::StrCat("lists revision ", r.revision_id(), " twice"));
    }
    statements.push_back(std::move(*statement));
  }
  if (absl::Status s = CheckOrder(doc, statements, position); !s.ok()) return s;
  if (absl::Status s = CheckHeads(doc, listed, statements); !s.ok()) return s;
  std::string expected = ExpectedAuthoritative(listed, statements);
  if (listed.authoritative() != expected) {
    return Wrong(doc, absl::StrCat("names ",
                                   listed.authoritative().empty()
                                       ? "no authoritative version"
                                       : "the authoritative version " +
                                             listed.authoritative(),
                                   " but its revisions make it ",
                                   expected.empty() ? "none" : expected));
  }
  return absl::OkStatus();
}

}  // namespace archive
