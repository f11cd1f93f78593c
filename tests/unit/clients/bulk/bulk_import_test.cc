// The parts of bulk import that need no archive: where a row's files are, what
// metadata they get, and what a re-run does given the document's history. The
// whole import against a real archived is tests/integration/bulk_import_test.
#include "clients/bulk/bulk_import.h"

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace archive {
namespace {

namespace fs = std::filesystem;

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "bulk-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~ScratchDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

ManifestRow CorpusLikeRow() {
  ManifestRow row;
  row.row = 1;
  row.line = 2;
  row.id = "tj-enterprise-credit-db";
  row.region = "天津";
  row.title = "天津市企业信用信息数据库管理办法";
  row.issuer = "天津市人民政府";
  row.date = "2013-09-01";
  row.note = "expired 2018-08-31";
  row.raw_sha256 = std::string(64, 'a');
  row.raw_bytes = 12378;
  row.clean_sha256 = std::string(64, 'c');
  row.clean_bytes = 12366;
  return row;
}

ImportLayout Layout(bool raw_and_clean, RevisionChoice revision) {
  return ImportLayout{"/data", raw_and_clean, revision};
}

TEST(BulkImportTest, LayoutFollowsTheDirectory) {
  ScratchDir flat;
  auto layout = ResolveLayout(flat.path(), std::nullopt);
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_FALSE(layout->raw_and_clean);
  EXPECT_EQ(layout->revision, RevisionChoice::kClean);
  auto both = ResolveLayout(flat.path(), RevisionChoice::kBoth);
  ASSERT_FALSE(both.ok());
  EXPECT_TRUE(absl::StrContains(both.status().message(), "raw/"))
      << both.status();

  ScratchDir split;
  fs::create_directory(split.path() + "/raw");
  fs::create_directory(split.path() + "/clean");
  layout = ResolveLayout(split.path(), std::nullopt);
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_TRUE(layout->raw_and_clean);
  EXPECT_EQ(layout->revision, RevisionChoice::kBoth);
  layout = ResolveLayout(split.path(), RevisionChoice::kRaw);
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->revision, RevisionChoice::kRaw);

  auto missing = ResolveLayout(split.path() + "/nope", std::nullopt);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "not a directory"));
}

TEST(BulkImportTest, RawThenCleanFilesWithTheirChecksumsAndMetadata) {
  std::vector<ImportFile> files = FilesFor(
      CorpusLikeRow(), Layout(true, RevisionChoice::kBoth), ImportOptions{});
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "/data/raw/tj-enterprise-credit-db.txt");
  EXPECT_EQ(files[0].label, "raw/tj-enterprise-credit-db.txt");
  EXPECT_EQ(files[0].expected_sha256, std::string(64, 'a'));
  EXPECT_EQ(files[0].expected_size, 12378u);
  EXPECT_EQ(files[1].path, "/data/clean/tj-enterprise-credit-db.txt");
  EXPECT_EQ(files[1].expected_sha256, std::string(64, 'c'));
  EXPECT_EQ(files[1].expected_size, 12366u);
  for (const ImportFile& f : files) {
    EXPECT_EQ(f.metadata.title(), "天津市企业信用信息数据库管理办法");
    EXPECT_EQ(f.metadata.issuer(), "天津市人民政府");
    EXPECT_EQ(f.metadata.region(), "天津");
    EXPECT_EQ(f.metadata.date(), "2013-09-01");
    // The note's lifecycle fact becomes the status.
    EXPECT_EQ(f.metadata.status(), "expired");
  }
  EXPECT_EQ(files[0].metadata.note(),
            "raw text (raw/tj-enterprise-credit-db.txt); expired 2018-08-31");
  EXPECT_EQ(files[1].metadata.note(),
            "corrected text (clean/tj-enterprise-credit-db.txt); expired "
            "2018-08-31");
}

TEST(BulkImportTest, FlatLayoutIsOneFileCheckedAsCleanUnlessRaw) {
  ManifestRow row = CorpusLikeRow();
  std::vector<ImportFile> clean =
      FilesFor(row, Layout(false, RevisionChoice::kClean), ImportOptions{});
  ASSERT_EQ(clean.size(), 1u);
  EXPECT_EQ(clean[0].path, "/data/tj-enterprise-credit-db.txt");
  EXPECT_EQ(clean[0].expected_sha256, std::string(64, 'c'));
  EXPECT_EQ(clean[0].metadata.note(),
            "imported from tj-enterprise-credit-db.txt; expired 2018-08-31");
  std::vector<ImportFile> raw =
      FilesFor(row, Layout(false, RevisionChoice::kRaw), ImportOptions{});
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0].expected_sha256, std::string(64, 'a'));
}

TEST(BulkImportTest, StatusOptionThenColumnThenNoteThenInForce) {
  ManifestRow row = CorpusLikeRow();
  ImportLayout layout = Layout(true, RevisionChoice::kClean);
  ImportOptions options;
  options.status = "draft";
  options.note = "batch 7";
  std::vector<ImportFile> files = FilesFor(row, layout, options);
  EXPECT_EQ(files[0].metadata.status(), "draft");
  EXPECT_EQ(files[0].metadata.note(), "batch 7; expired 2018-08-31");
  row.status = "repealed";
  EXPECT_EQ(FilesFor(row, layout, {})[0].metadata.status(), "repealed");
  row.status = "";
  row.note = "expiredness unknown";  // not the word "expired"
  EXPECT_EQ(FilesFor(row, layout, {})[0].metadata.status(), "in_force");
  row.note = "";
  EXPECT_EQ(FilesFor(row, layout, {})[0].metadata.status(), "in_force");
}

// Checked raw and clean files, as Import has them before it plans.
std::vector<ImportFile> CheckedFiles() {
  std::vector<ImportFile> files = FilesFor(
      CorpusLikeRow(), Layout(true, RevisionChoice::kBoth), ImportOptions{});
  files[0].sha256 = std::string(64, 'a');
  files[0].size = 12378;
  files[1].sha256 = std::string(64, 'c');
  files[1].size = 12366;
  for (ImportFile& f : files) f.metadata.set_media_type("text/plain");
  return files;
}

// A revision as History lists it, made from `file` as a put would make it.
v1::Revision RevisionOf(const ImportFile& file, const std::string& id) {
  v1::Revision r;
  r.set_revision_id(id);
  r.set_sha256(file.sha256);
  r.set_size(file.size);
  *r.mutable_metadata() = file.metadata;
  r.mutable_metadata()->set_note("whatever the note said then");
  return r;
}

v1::HistoryResponse HistoryOf(std::vector<v1::Revision> newest_first) {
  v1::HistoryResponse h;
  for (v1::Revision& r : newest_first) *h.add_revisions() = std::move(r);
  h.add_heads(h.revisions(0).revision_id());
  return h;
}

TEST(BulkImportTest, NewDocumentGetsEveryFile) {
  RowPlan plan = PlanRow("doc", CheckedFiles(), nullptr);
  EXPECT_EQ(plan.action, RowPlan::Action::kPut);
  EXPECT_EQ(plan.first_file, 0u);
  EXPECT_EQ(plan.parent, "");
}

TEST(BulkImportTest, ImportedDocumentIsPresent) {
  std::vector<ImportFile> files = CheckedFiles();
  v1::HistoryResponse h =
      HistoryOf({RevisionOf(files[1], "r2"), RevisionOf(files[0], "r1")});
  RowPlan plan = PlanRow("doc", files, &h);
  EXPECT_EQ(plan.action, RowPlan::Action::kPresent);
  EXPECT_EQ(plan.present_revision, "r2");
}

TEST(BulkImportTest, DocumentThatMovedOnIsPresentAndNotReverted) {
  std::vector<ImportFile> files = CheckedFiles();
  v1::Revision later = RevisionOf(files[1], "r3");
  later.mutable_metadata()->set_status("repealed");
  v1::HistoryResponse h = HistoryOf(
      {later, RevisionOf(files[1], "r2"), RevisionOf(files[0], "r1")});
  RowPlan plan = PlanRow("doc", files, &h);
  EXPECT_EQ(plan.action, RowPlan::Action::kPresent);
  EXPECT_EQ(plan.present_revision, "r2");
}

TEST(BulkImportTest, ImportStoppedAfterRawResumesWithClean) {
  std::vector<ImportFile> files = CheckedFiles();
  v1::HistoryResponse h = HistoryOf({RevisionOf(files[0], "r1")});
  RowPlan plan = PlanRow("doc", files, &h);
  EXPECT_EQ(plan.action, RowPlan::Action::kPut);
  EXPECT_EQ(plan.first_file, 1u);
  EXPECT_EQ(plan.parent, "r1");
}

TEST(BulkImportTest, ChangedMetadataOrOtherContentGetsTheLastFileOnly) {
  std::vector<ImportFile> files = CheckedFiles();
  v1::Revision old_title = RevisionOf(files[1], "r2");
  old_title.mutable_metadata()->set_title("旧标题");
  v1::HistoryResponse h = HistoryOf({old_title, RevisionOf(files[0], "r1")});
  RowPlan plan = PlanRow("doc", files, &h);
  EXPECT_EQ(plan.action, RowPlan::Action::kPut);
  EXPECT_EQ(plan.first_file, 1u);
  EXPECT_EQ(plan.parent, "r2");

  v1::Revision other = RevisionOf(files[1], "r9");
  other.set_sha256(std::string(64, 'e'));
  h = HistoryOf({other});
  plan = PlanRow("doc", files, &h);
  EXPECT_EQ(plan.action, RowPlan::Action::kPut);
  EXPECT_EQ(plan.first_file, 1u);
  EXPECT_EQ(plan.parent, "r9");
}

TEST(BulkImportTest, ConflictedDocumentFailsItsRow) {
  std::vector<ImportFile> files = CheckedFiles();
  v1::HistoryResponse h =
      HistoryOf({RevisionOf(files[0], "r1"), RevisionOf(files[0], "r0")});
  h.add_heads("r0");
  RowPlan plan = PlanRow("doc", files, &h);
  EXPECT_EQ(plan.action, RowPlan::Action::kFail);
  EXPECT_TRUE(absl::StrContains(plan.reason, "2 heads")) << plan.reason;
}

}  // namespace
}  // namespace archive
