// clients/bagit: the RFC 8493 writer and validator on real files.
#include "clients/bagit/bagit.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/base/sha256.h"

namespace archive {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ =
        absl::StrCat(tmp && *tmp ? tmp : "/tmp", "/bagit-test-XXXXXX");
    path_ = ::mkdtemp(templ.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Write(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

TEST(ManifestPath, EncodesOnlyCrLfAndPercent) {
  EXPECT_EQ(EncodeManifestPath("data/a b/ü.txt"), "data/a b/ü.txt");
  EXPECT_EQ(EncodeManifestPath("data/50%\r\n"), "data/50%25%0D%0A");
  auto decoded = DecodeManifestPath("data/50%25%0d%0A");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, "data/50%\r\n");
}

TEST(ManifestPath, RefusesOtherEscapes) {
  EXPECT_FALSE(DecodeManifestPath("data/a%2Fb").ok());
  EXPECT_FALSE(DecodeManifestPath("data/a%2").ok());
  EXPECT_FALSE(DecodeManifestPath("data/a%").ok());
}

TEST(SafeFileName, KeepsPlainIdsAndEncodesTheRest) {
  EXPECT_EQ(SafeFileName("gx-2022-guizhengfa_31"), "gx-2022-guizhengfa_31");
  EXPECT_EQ(SafeFileName("a/b"), "a%2Fb");
  EXPECT_EQ(SafeFileName(".."), "%2E%2E");
  EXPECT_EQ(SafeFileName("../../etc/passwd"), "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd");
  EXPECT_EQ(SafeFileName("100%~"), "100%25%7E");
  EXPECT_EQ(SafeFileName("国"), "%E5%9B%BD");
}

TEST(SafeFileName, LongNamesStayShortAndDistinct) {
  std::string a(256, 'a');
  std::string b = a;
  b.back() = 'b';
  std::string chinese;
  for (int i = 0; i < 85; ++i) chinese += "国";  // 255 bytes, 765 encoded
  for (const std::string& name : {a, b, chinese}) {
    std::string safe = SafeFileName(name);
    EXPECT_LE(safe.size(), kMaxSafeNameBytes) << safe;
    EXPECT_TRUE(absl::StrContains(
        safe, absl::StrCat("~", Sha256::HexDigest(name).substr(0, 16))))
        << safe;
    // The cut never leaves half an escape before the "~".
    std::string head = safe.substr(0, safe.find('~'));
    for (size_t i = 0; i < head.size(); ++i) {
      if (head[i] == '%') {
        EXPECT_LE(i + 3, head.size()) << safe;
      }
    }
  }
  EXPECT_NE(SafeFileName(a), SafeFileName(b));
}

TEST(BagInfo, ParsesLabelsContinuationsAndLineEndings) {
  auto info = ParseBagInfo(
      "Source-Organization: Office A\r\nExternal-Description: a long\r\n"
      "  description\rPayload-Oxum: 10.2\n");
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_EQ(info->size(), 3u);
  EXPECT_EQ((*info)[0].label, "Source-Organization");
  EXPECT_EQ((*info)[0].value, "Office A");
  EXPECT_EQ((*info)[1].value, "a long description");
  EXPECT_EQ((*info)[2].value, "10.2");
  EXPECT_FALSE(ParseBagInfo("no colon here\n").ok());
  EXPECT_FALSE(ParseBagInfo("  continues nothing\n").ok());
}

class BagTest : public ::testing::Test {
 protected:
  // A bag with two payload files (one with a name that needs manifest
  // encoding) and one extra tag file.
  void MakeBag() {
    auto writer = BagWriter::Create(bag_);
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->WritePayload("doc/content.txt", "hello\n").ok());
    ASSERT_TRUE((*writer)->WritePayload("odd/50%\nname", "xyz").ok());
    ASSERT_TRUE((*writer)->WriteTagFile("extra.note", "note\n").ok());
    (*writer)->AddInfo("Source-Organization", "Office\nA");
    ASSERT_TRUE((*writer)->Finish().ok());
    EXPECT_EQ((*writer)->payload_files(), 2u);
    EXPECT_EQ((*writer)->payload_bytes(), 9u);
  }
  // The message of a validation that must fail.
  std::string ValidationError() {
    auto bag = ValidateBag(bag_);
    EXPECT_FALSE(bag.ok()) << "the damaged bag validated";
    return bag.ok() ? "" : std::string(bag.status().message());
  }

  TempDir tmp_;
  std::string bag_ = tmp_.path() + "/bag";
};

TEST_F(BagTest, WrittenBagValidates) {
  MakeBag();
  EXPECT_EQ(Read(bag_ + "/bagit.txt"),
            "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n");
  std::string manifest = Read(bag_ + "/manifest-sha256.txt");
  EXPECT_TRUE(absl::StrContains(
      manifest,
      absl::StrCat(Sha256::HexDigest("hello\n"), "  data/doc/content.txt\n")));
  EXPECT_TRUE(absl::StrContains(manifest, "  data/odd/50%25%0Aname\n"));
  std::string tags = Read(bag_ + "/tagmanifest-sha256.txt");
  for (const char* f :
       {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "extra.note"}) {
    EXPECT_TRUE(absl::StrContains(tags, absl::StrCat("  ", f, "\n"))) << f;
  }
  auto bag = ValidateBag(bag_);
  ASSERT_TRUE(bag.ok()) << bag.status();
  EXPECT_EQ(bag->Info("payload-oxum"), "9.2");
  EXPECT_EQ(bag->Info("Source-Organization"), "Office A");
  EXPECT_FALSE(bag->Info("Bagging-Date").empty());
  ASSERT_EQ(bag->payload.size(), 2u);
  EXPECT_EQ(bag->payload["data/doc/content.txt"].sha256,
            Sha256::HexDigest("hello\n"));
  EXPECT_EQ(bag->payload["data/odd/50%\nname"].size, 3u);
  EXPECT_EQ(bag->tag_manifests,
            std::vector<std::string>{"tagmanifest-sha256.txt"});
  EXPECT_FALSE(fs::exists(absl::StrCat(bag_, ".partial-", ::getpid())));
}

TEST_F(BagTest, RefusesNonEmptyDirectoryButTakesEmptyOne) {
  fs::create_directory(bag_);
  MakeBag();  // an empty directory is fine
  auto again = BagWriter::Create(bag_);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(absl::StrContains(again.status().message(), "not an empty"));
  auto file = BagWriter::Create(bag_ + "/bagit.txt");
  EXPECT_FALSE(file.ok());
}

TEST_F(BagTest, AnUnfinishedBagLeavesNothing) {
  {
    auto writer = BagWriter::Create(bag_);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->WritePayload("a", "x").ok());
    EXPECT_FALSE((*writer)->PayloadPath("../escape").ok());
    EXPECT_FALSE((*writer)->PayloadPath("a/./b").ok());
    EXPECT_FALSE((*writer)->WriteTagFile("manifest-sha256.txt", "").ok());
  }
  EXPECT_TRUE(fs::is_empty(tmp_.path()));
}

TEST_F(BagTest, AlteredPayloadByteIsNamed) {
  MakeBag();
  Write(bag_ + "/data/doc/content.txt", "hellO\n");
  std::string error = ValidationError();
  EXPECT_TRUE(absl::StrContains(error, "data/doc/content.txt")) << error;
  EXPECT_TRUE(absl::StrContains(error, "checksum mismatch")) << error;
}

TEST_F(BagTest, PayloadOxumCatchesAddedBytes) {
  MakeBag();
  Write(bag_ + "/data/doc/content.txt", "hello, world\n");
  EXPECT_TRUE(absl::StrContains(ValidationError(), "Payload-Oxum"));
}

TEST_F(BagTest, MissingPayloadFileIsNamed) {
  MakeBag();
  // Another file of the same size keeps Payload-Oxum true, so the manifest
  // check is what fails.
  fs::remove(bag_ + "/data/odd/50%\nname");
  Write(bag_ + "/data/sneaked-in", "abc");
  std::string error = ValidationError();
  EXPECT_TRUE(absl::StrContains(error, "data/odd/50%\nname")) << error;
  EXPECT_TRUE(absl::StrContains(error, "missing from the bag")) << error;
  Write(bag_ + "/data/odd/50%\nname", "xyz");
  Write(bag_ + "/data/sneaked-in", "");
  error = ValidationError();
  EXPECT_TRUE(absl::StrContains(error, "Payload-Oxum")) << error;
}

TEST_F(BagTest, UnlistedPayloadFileIsNamed) {
  MakeBag();
  // Keep Payload-Oxum true so the manifest check is what fails.
  std::string info = Read(bag_ + "/bag-info.txt");
  info.replace(info.find("Payload-Oxum: 9.2"), 17, "Payload-Oxum: 9.3");
  Write(bag_ + "/bag-info.txt", info);
  Write(bag_ + "/data/sneaked-in", "");
  std::string error = ValidationError();
  EXPECT_TRUE(absl::StrContains(
      error, "data/sneaked-in: in the bag but not listed in manifest"))
      << error;
}

TEST_F(BagTest, AlteredTagFileIsNamed) {
  MakeBag();
  Write(bag_ + "/extra.note", "changed\n");
  std::string error = ValidationError();
  EXPECT_TRUE(absl::StrContains(error, "extra.note: checksum mismatch"))
      << error;
  Write(bag_ + "/extra.note", "note\n");
  Write(bag_ + "/unlisted.txt", "");
  error = ValidationError();
  EXPECT_TRUE(absl::StrContains(error,
                                "unlisted.txt: in the bag but not "
                                "listed in tagmanifest-sha256.txt"))
      << error;
}

TEST_F(BagTest, RefusesWhatItCannotCheckOrThatLeavesTheBag) {
  MakeBag();
  Write(bag_ + "/fetch.txt", "");
  EXPECT_TRUE(absl::StrContains(ValidationError(), "fetch.txt"));
  fs::remove(bag_ + "/fetch.txt");
  Write(bag_ + "/manifest-md5.txt", "");
  EXPECT_TRUE(absl::StrContains(ValidationError(), "only SHA-256"));
  fs::remove(bag_ + "/manifest-md5.txt");
  fs::create_symlink("/etc/passwd", bag_ + "/data/link");
  EXPECT_TRUE(absl::StrContains(ValidationError(), "symbolic link"));
  fs::remove(bag_ + "/data/link");
  ASSERT_TRUE(ValidateBag(bag_).ok());

  std::string manifest = Read(bag_ + "/manifest-sha256.txt");
  Write(bag_ + "/manifest-sha256.txt",
        manifest + Sha256::HexDigest("") + "  data/../outside\n");
  EXPECT_TRUE(absl::StrContains(ValidationError(), "leaves the bag"));
  Write(bag_ + "/manifest-sha256.txt", manifest);

  Write(bag_ + "/bagit.txt",
        "BagIt-Version: 0.96\nTag-File-Character-Encoding: UTF-8\n");
  EXPECT_TRUE(absl::StrContains(ValidationError(), "BagIt-Version 0.96"));
  fs::remove(bag_ + "/bagit.txt");
  EXPECT_TRUE(absl::StrContains(ValidationError(), "no readable bagit.txt"));
}

}  // namespace
}  // namespace archive
