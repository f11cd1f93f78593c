// The log's line formats: text and JSON lines stay one bounded, valid line
// whatever a message quotes; the log file can be reopened (rotation).
#include "storage/base/log_line.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "nlohmann/json.hpp"

namespace archive {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(JsonString, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(JsonString("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\u000ad\\u0001\"");
  EXPECT_EQ(JsonString("文号"), "\"文号\"");
}

TEST(JsonString, InvalidUtf8BecomesAReplacementCharacter) {
  std::string out = JsonString(std::string("ok\xff\xc3(", 5));
  EXPECT_EQ(out, "\"ok\\ufffd\\ufffd(\"");
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), "ok\uFFFD\uFFFD(");
}

TEST(ParseLogFormat, NamesTheFlagOnABadValue) {
  LogFormat format;
  EXPECT_TRUE(ParseLogFormat("json", &format).ok());
  EXPECT_EQ(format, LogFormat::kJson);
  absl::Status bad = ParseLogFormat("xml", &format);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("--log_format=xml"), absl::string_view::npos);
}

// One process-wide log: the test redirects stderr to files of its own and puts
// the real stderr back at the end.
TEST(LogFile, JsonLinesAreValidAndReopeningFollowsARename) {
  std::string dir = ::testing::TempDir() + "/log_line_test";
  std::filesystem::create_directories(dir);
  std::string path = dir + "/archived.log";
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".1");
  int saved = ::dup(STDERR_FILENO);
  ASSERT_TRUE(ConfigureLog(LogFormat::kJson, path).ok());
  LogLine(std::string("archived: quoted \"\n\x7f") + std::string(5000, 'x'),
          LogLevel::kWarning, {{"doc", "a b"}, {"bytes", "12", true}});
  std::filesystem::rename(path, path + ".1");
  ASSERT_TRUE(ReopenLog().ok());
  LogLine("archived: after");
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ASSERT_TRUE(ConfigureLog(LogFormat::kText, "").ok());

  std::string first = ReadAll(path + ".1");
  ASSERT_EQ(std::count(first.begin(), first.end(), '\n'), 1) << first;
  nlohmann::json line = nlohmann::json::parse(first);
  EXPECT_EQ(line["level"], "warning");
  EXPECT_EQ(line["doc"], "a b");
  EXPECT_EQ(line["bytes"], 12);
  std::string msg = line["msg"];
  EXPECT_EQ(msg.rfind("quoted \"\n\x7f", 0), 0u) << "prefix kept: " << msg;
  EXPECT_LE(first.size(), 4096u + 256u);
  nlohmann::json after = nlohmann::json::parse(ReadAll(path));
  EXPECT_EQ(after["msg"], "after");
  EXPECT_EQ(after["level"], "info");
}

TEST(LogFile, AFileThatCannotBeOpenedIsNamed) {
  absl::Status s = ConfigureLog(LogFormat::kText, "/nonexistent/dir/x.log");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("/nonexistent/dir/x.log"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace archive
