#include "storage/s3/s3_credentials.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "absl/strings/match.h"

namespace archive {
namespace {

class S3CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "/s3-credentials-XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& text) {
    std::string path = dir_ + "/credentials";
    EXPECT_TRUE(Env::Default()->WriteFileAtomic(path, text).ok());
    return path;
  }
  std::string dir_;
};

TEST_F(S3CredentialsTest, FromTheNamedProfileOfAFile) {
  std::string path = Write(
      "# comment\n[default]\naws_access_key_id = AKIA1\n"
      "aws_secret_access_key=secret1\n\n[office]\n"
      "aws_access_key_id = AKIA2\naws_secret_access_key = secret2\n"
      "aws_session_token = tok\n");
  auto c = LoadS3Credentials(Env::Default(), path, "office");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "AKIA2");
  EXPECT_EQ(c->secret_access_key, "secret2");
  EXPECT_EQ(c->session_token, "tok");
  c = LoadS3Credentials(Env::Default(), path, "default");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->secret_access_key, "secret1");
}

TEST_F(S3CredentialsTest, MissingPiecesAreNamed) {
  std::string path = Write("[default]\naws_access_key_id = AKIA1\n");
  auto c = LoadS3Credentials(Env::Default(), path, "default");
  EXPECT_TRUE(absl::IsInvalidArgument(c.status()));
  EXPECT_TRUE(absl::StrContains(c.status().message(), "aws_secret_access_key"));
  c = LoadS3Credentials(Env::Default(), path, "other");
  EXPECT_TRUE(absl::StrContains(c.status().message(), "no [other] section"));
  c = LoadS3Credentials(Env::Default(), dir_ + "/none", "default");
  EXPECT_FALSE(c.ok());
  EXPECT_TRUE(absl::StrContains(c.status().message(), "--s3_credentials_file"));
}

TEST_F(S3CredentialsTest, FromTheEnvironment) {
  ::setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  ::unsetenv("AWS_SESSION_TOKEN");
  auto c = LoadS3Credentials(Env::Default(), "", "default");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->access_key_id, "AKIAENV");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  c = LoadS3Credentials(Env::Default(), "", "default");
  EXPECT_TRUE(absl::IsInvalidArgument(c.status()));
  EXPECT_TRUE(absl::StrContains(c.status().message(), "AWS_SECRET_ACCESS_KEY"));
}

}  // namespace
}  // namespace archive
