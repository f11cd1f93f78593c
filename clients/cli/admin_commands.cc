// import, sync, scrub, check and export: work on a whole archive.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "clients/api/history_check.h"
#include "clients/bulk/bulk_import.h"
#include "clients/bulk/manifest.h"
#include "clients/cli/archive_bag.h"
#include "clients/cli/check_report.h"
#include "clients/cli/commands.h"
#include "clients/cli/import_report.h"
#include "clients/cli/scrub_report.h"
#include "storage/base/env.h"

namespace archive {
namespace cli {

namespace {

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

// import --bagit DIR (the other form, a manifest, is RunImport's).
absl::Status RunImportBag(Context& c) {
  if (!c.args.positional().empty())
    return Usage("import --bagit DIR takes no other arguments");
  return PrintReport(c, ImportBag(c.client, c.verifier, c.args.Get("bagit")));
}

}  // namespace

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

absl::Status RunExport(Context& c) {
  if (!c.args.Has("bagit"))
    return Usage("export needs --bagit DIR (BagIt is the export format)");
  return PrintReport(c, ExportBag(c.client, c.verifier, c.args.Get("bagit"),
                                  c.args.GetAll("id")));
}

}  // namespace cli
}  // namespace archive
