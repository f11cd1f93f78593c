#include "storage/s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"

namespace archive {
namespace {

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

// Header values are signed trimmed, with inner runs of spaces made one.
std::string CanonicalValue(absl::string_view v) {
  std::string out;
  bool space = false;
  for (char c : absl::StripAsciiWhitespace(v)) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string UriEncode(absl::string_view s, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string CanonicalQuery(
    const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  return absl::StrJoin(encoded, "&", [](std::string* out, const auto& p) {
    absl::StrAppend(out, p.first, "=", p.second);
  });
}

std::vector<std::pair<std::string, std::string>> SignV4(
    const SigV4Request& request, const S3Credentials& credentials,
    const std::string& region, absl::Time now) {
  const std::string amz_date =
      absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone());
  const std::string date = amz_date.substr(0, 8);
  std::vector<std::pair<std::string, std::string>> added = {
      {"x-amz-date", amz_date},
      {"x-amz-content-sha256", request.payload_sha256_hex}};
  if (!credentials.session_token.empty()) {
    added.emplace_back("x-amz-security-token", credentials.session_token);
  }
  std::vector<std::pair<std::string, std::string>> signed_headers = {
      {"host", request.host}};
  using Headers = std::vector<std::pair<std::string, std::string>>;
  for (const Headers* list : {&request.headers, &std::as_const(added)}) {
    for (const auto& [name, value] : *list) {
      signed_headers.emplace_back(absl::AsciiStrToLower(name),
                                  CanonicalValue(value));
    }
  }
  std::sort(signed_headers.begin(), signed_headers.end());
  std::string canonical_headers;
  std::vector<std::string> names;
  for (const auto& [name, value] : signed_headers) {
    absl::StrAppend(&canonical_headers, name, ":", value, "\n");
    names.push_back(name);
  }
  const std::string signed_names = absl::StrJoin(names, ";");
  const std::string canonical_request =
      absl::StrCat(request.method, "\n", request.path, "\n",
                   CanonicalQuery(request.query), "\n", canonical_headers, "\n",
                   signed_names, "\n", request.payload_sha256_hex);
  const std::string scope = absl::StrCat(date, "/", region, "/s3/aws4_request");
  const std::string string_to_sign =
      absl::StrCat("AWS4-HMAC-SHA256\n", amz_date, "\n", scope, "\n",
                   Sha256::HexDigest(canonical_request));
  std::string key = HmacSha256("AWS4" + credentials.secret_access_key, date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, "s3");
  key = HmacSha256(key, "aws4_request");
  const std::string signature = ToHex(HmacSha256(key, string_to_sign));
  added.emplace_back(
      "Authorization",
      absl::StrCat("AWS4-HMAC-SHA256 Credential=", credentials.access_key_id,
                   "/", scope, ",SignedHeaders=", signed_names,
                   ",Signature=", signature));
  return added;
}

}  // namespace archive
