#include "storage/s3/s3_credentials.h"

#include <cstdlib>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace archive {
namespace {

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

}  // namespace

absl::StatusOr<S3Credentials> LoadS3Credentials(Env* env,
                                                const std::string& file,
                                                const std::string& profile) {
  S3Credentials c;
  if (file.empty()) {
    c.access_key_id = Getenv("AWS_ACCESS_KEY_ID");
    c.secret_access_key = Getenv("AWS_SECRET_ACCESS_KEY");
    c.session_token = Getenv("AWS_SESSION_TOKEN");
    if (c.access_key_id.empty() || c.secret_access_key.empty()) {
      return absl::InvalidArgumentError(
          "--blob_store=s3://...: set AWS_ACCESS_KEY_ID and "
          "AWS_SECRET_ACCESS_KEY, or name a credentials file with "
          "--s3_credentials_file");
    }
    return c;
  }
  auto text = env->ReadFile(file);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("--s3_credentials_file=", file, ": ",
                                     text.status().message()));
  }
  std::map<std::string, std::string> values;
  std::string section;
  bool seen = false;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = std::string(
          absl::StripAsciiWhitespace(line.substr(1, line.size() - 2)));
      seen = seen || section == profile;
      continue;
    }
    if (section != profile) continue;
    size_t eq = line.find('=');
    if (eq == absl::string_view::npos) continue;
    values[std::string(absl::StripAsciiWhitespace(line.substr(0, eq)))] =
        std::string(absl::StripAsciiWhitespace(line.substr(eq + 1)));
  }
  if (!seen) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--s3_credentials_file=", file, ": no [", profile, "] section"));
  }
  c.access_key_id = values["aws_access_key_id"];
  c.secret_access_key = values["aws_secret_access_key"];
  c.session_token = values["aws_session_token"];
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--s3_credentials_file=", file, ": section [", profile,
                     "] needs aws_access_key_id and aws_secret_access_key"));
  }
  return c;
}

}  // namespace archive
