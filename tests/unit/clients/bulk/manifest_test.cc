#include "clients/bulk/manifest.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/base/env.h"

namespace archive {
namespace {

constexpr char kHeader[] =
    "id\tregion\ttitle\tissuer\tdoc_number\tdate\tnote\traw_sha256\traw_"
    "bytes\tclean_sha256\tclean_bytes\n";
const std::string kSha(64, 'a');

std::string Row(const std::string& id, const std::string& date = "",
                const std::string& note = "") {
  return absl::StrCat(
      id, "\t广西\t标题\t广西壮族自治区人民政府\t桂政发〔2022〕31号\t", date,
      "\t", note, "\t", kSha, "\t10\t", kSha, "\t9\n");
}

// The error message of a manifest that must be refused.
std::string Refusal(const std::string& tsv) {
  auto rows = ParseManifest(tsv, "m.tsv");
  EXPECT_FALSE(rows.ok()) << "accepted: " << tsv;
  if (rows.ok()) return "";
  EXPECT_TRUE(absl::IsInvalidArgument(rows.status())) << rows.status();
  return std::string(rows.status().message());
}

TEST(ManifestTest, ReadsTheCorpusManifest) {
  auto tsv = Env::Default()->ReadFile(
      absl::StrCat(ARCHIVE_CORPUS_DIR, "/manifest.tsv"));
  ASSERT_TRUE(tsv.ok()) << tsv.status();
  auto rows = ParseManifest(*tsv, "manifest.tsv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 18u);
  const ManifestRow& first = (*rows)[0];
  EXPECT_EQ(first.row, 1);
  EXPECT_EQ(first.line, 2);
  EXPECT_EQ(first.id, "gx-2023-guizhenghan-11");
  EXPECT_EQ(first.region, "广西");
  EXPECT_EQ(first.issuer, "广西壮族自治区人民政府");
  EXPECT_EQ(first.number, "桂政函〔2023〕11号");
  EXPECT_EQ(first.date, "2023-01-15");
  EXPECT_EQ(first.raw_sha256,
            "fd0b092ed4bb2bf53bb79285b2c128af54840843f5ce09c4e0f26372940ab599");
  EXPECT_EQ(first.raw_bytes, 19662u);
  EXPECT_EQ(first.clean_bytes, 19565u);
  const ManifestRow& last = rows->back();
  EXPECT_EQ(last.row, 18);
  EXPECT_EQ(last.id, "tj-enterprise-credit-db");
  EXPECT_EQ(last.note, "expired 2018-08-31");
  EXPECT_EQ(last.number, "");
}

TEST(ManifestTest, ColumnsInAnyOrderAndOnlyIdRequired) {
  auto rows = ParseManifest(
      "title\tid\tstatus\n 数据条例 \tdoc-1\trepealed\n\tdoc-2\t\n", "m.tsv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].id, "doc-1");
  EXPECT_EQ((*rows)[0].title, "数据条例");  // surrounding spaces dropped
  EXPECT_EQ((*rows)[0].status, "repealed");
  EXPECT_EQ((*rows)[1].title, "");
  EXPECT_FALSE((*rows)[1].raw_bytes.has_value());
  EXPECT_EQ((*rows)[1].raw_sha256, "");
}

TEST(ManifestTest, BlankLinesCrLfAndByteOrderMark) {
  std::string tsv = absl::StrCat("\xEF\xBB\xBFid\tdate\r\n",
                                 "a\t2023-01-15\r\n", "\r\n", "\n", "b\t\r\n");
  auto rows = ParseManifest(tsv, "m.tsv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].date, "2023-01-15");
  EXPECT_EQ((*rows)[1].id, "b");
  EXPECT_EQ((*rows)[1].row, 2);
  EXPECT_EQ((*rows)[1].line, 5);  // blank lines still count
}

TEST(ManifestTest, HexDigestsAreLowercased) {
  std::string upper(64, 'A');
  auto rows =
      ParseManifest(absl::StrCat("id\traw_sha256\nx\t", upper, "\n"), "m.tsv");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0].raw_sha256, std::string(64, 'a'));
}

TEST(ManifestTest, RefusesAMissingOrUnknownOrRepeatedColumn) {
  EXPECT_EQ(Refusal(""),
            "m.tsv line 1: no header line (expected column names such as id)");
  std::string missing = Refusal("title\tdate\nx\t2023-01-01\n");
  EXPECT_TRUE(absl::StartsWith(missing,
                               "m.tsv line 1: missing required column "
                               "\"id\""))
      << missing;
  std::string unknown = Refusal("id\ttitel\nx\ty\n");
  EXPECT_TRUE(
      absl::StartsWith(unknown, "m.tsv line 1: unknown column \"titel\""))
      << unknown;
  EXPECT_EQ(Refusal("id\ttitle\ttitle\nx\ty\tz\n"),
            "m.tsv line 1: column \"title\" appears twice");
}

TEST(ManifestTest, RefusesARowWithTheWrongNumberOfFields) {
  std::string short_row = Row("doc-2");
  short_row = short_row.substr(0, short_row.rfind('\t')) + "\n";
  EXPECT_EQ(Refusal(absl::StrCat(kHeader, Row("doc-1"), short_row)),
            "m.tsv line 3: 10 fields, but the header has 11 columns");
}

TEST(ManifestTest, RefusesBadValuesNamingLineAndField) {
  std::string id = Refusal(absl::StrCat(kHeader, Row("doc-1"), Row("doc 2")));
  EXPECT_TRUE(absl::StartsWith(id, "m.tsv line 3: id \"doc 2\": ")) << id;
  EXPECT_EQ(Refusal(absl::StrCat(kHeader, Row("doc-1"), Row(""))),
            "m.tsv line 3: id is empty");
  EXPECT_EQ(Refusal(absl::StrCat(kHeader, Row("doc-1"), Row("doc-1"))),
            "m.tsv line 3: id \"doc-1\" is already on line 2 (one row per "
            "document)");
  std::string date = Refusal(absl::StrCat(kHeader, Row("doc-1", "2023-02-30")));
  EXPECT_TRUE(absl::StartsWith(date, "m.tsv line 2: date: ")) << date;
  std::string control =
      Refusal(absl::StrCat(kHeader, Row("doc-1", "", "bad\x01note")));
  EXPECT_TRUE(absl::StartsWith(control, "m.tsv line 2: note: ")) << control;
  EXPECT_EQ(
      Refusal("id\traw_sha256\nx\tabc\n"),
      "m.tsv line 2: raw_sha256 \"abc\" is not a SHA-256 (64 hex digits)");
  EXPECT_EQ(Refusal("id\tclean_bytes\nx\t12x\n"),
            "m.tsv line 2: clean_bytes \"12x\" is not a number of bytes");
  EXPECT_EQ(Refusal("id\tclean_bytes\nx\t-1\n"),
            "m.tsv line 2: clean_bytes \"-1\" is not a number of bytes");
  std::string status = Refusal("id\tstatus\nx\tvalid\n");
  EXPECT_TRUE(
      absl::StartsWith(status, "m.tsv line 2: status \"valid\" is not "))
      << status;
}

}  // namespace
}  // namespace archive
