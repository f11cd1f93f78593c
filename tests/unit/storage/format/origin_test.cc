// Origins (issue 11, defect 4): which names archived accepts, and the file
// name a client keeps per origin.
#include "storage/format/origin.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"

namespace archive {
namespace {

TEST(Origin, AcceptsWhatC2spAllows) {
  for (const std::string origin :
       {"gx.archive.example", "archive.example.gov.cn/gx",
        "example.com:8443/log/2026", "桂.档案.example/通知", "..", "a~b%c"}) {
    EXPECT_TRUE(ValidateOrigin(origin).ok()) << origin;
  }
  EXPECT_TRUE(ValidateOrigin(std::string(kMaxOriginBytes, 'a')).ok());
}

TEST(Origin, RefusesWhatNoKeyNameOrStatementCanHold) {
  for (const std::string& origin : std::vector<std::string>{
           "", "a b", "a+b", "a\tb", "a\nb", std::string("a\0b", 3), "a\x7f",
           "a\u0085b", "a\u00A0b", "a\u3000b", "a\u200Bb", "\xFF",
           std::string(kMaxOriginBytes + 1, 'a')}) {
    absl::Status s = ValidateOrigin(origin);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << origin;
    EXPECT_TRUE(absl::StrContains(s.message(), "origin")) << s;
  }
}

TEST(Origin, FileNamesAreOneComponentAndDistinct) {
  std::vector<std::string> origins = {"gx.archive.example",
                                      "archive.example.gov.cn/gx",
                                      "..",
                                      ".",
                                      "./x",
                                      "../../../../tmp/x",
                                      "/dev/zero",
                                      "a%2Fb",
                                      "a/b",
                                      "~",
                                      "%7E",
                                      ""};
  std::string long_one(300, 'x');
  origins.push_back(long_one);
  origins.push_back(long_one + "y");
  std::set<std::string> names;
  for (const std::string& origin : origins) {
    std::string name = OriginFileName(origin);
    EXPECT_FALSE(name.empty()) << origin;
    EXPECT_NE(name, ".");
    EXPECT_NE(name, "..");
    EXPECT_EQ(name.find('/'), std::string::npos) << name;
    EXPECT_NE(name[0], '.') << name;
    EXPECT_LE(name.size(), kMaxOriginFileNameBytes) << origin;
    EXPECT_TRUE(names.insert(name).second) << origin << " -> " << name;
  }
  EXPECT_EQ(OriginFileName("gx.archive.example"), "gx.archive.example");
  EXPECT_EQ(OriginFileName("archive.example.gov.cn/gx"),
            "archive.example.gov.cn%2Fgx");
  EXPECT_EQ(OriginFileName(".."), "%2E.");
}

}  // namespace
}  // namespace archive
