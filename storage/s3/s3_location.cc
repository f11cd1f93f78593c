#include "storage/s3/s3_location.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "storage/base/hex.h"

namespace archive {
namespace {

absl::Status Bad(absl::string_view url, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("--blob_store=", url, ": ", why));
}

bool ValidBucket(absl::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '.' &&
        c != '-') {
      return false;
    }
  }
  auto alnum = [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c);
  };
  return alnum(b.front()) && alnum(b.back());
}

}  // namespace

std::string S3Location::BlobPrefix() const {
  return prefix.empty() ? "sha256/" : absl::StrCat(prefix, "/sha256/");
}

std::string S3Location::KeyFor(absl::string_view sha256_hex) const {
  return absl::StrCat(BlobPrefix(), sha256_hex.substr(0, 2), "/", sha256_hex);
}

std::string S3Location::DigestOf(absl::string_view key) const {
  if (!absl::ConsumePrefix(&key, BlobPrefix()) || key.size() != 2 + 1 + 64 ||
      key[2] != '/') {
    return "";
  }
  absl::string_view hex = key.substr(3);
  if (!IsSha256Hex(hex) || hex.substr(0, 2) != key.substr(0, 2)) return "";
  return std::string(hex);
}

std::string S3Location::ToString() const {
  return prefix.empty() ? absl::StrCat("s3://", bucket)
                        : absl::StrCat("s3://", bucket, "/", prefix);
}

absl::StatusOr<S3Location> ParseS3Location(absl::string_view url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "s3://")) {
    return Bad(url, "expected s3://BUCKET/PREFIX");
  }
  S3Location loc;
  size_t slash = rest.find('/');
  loc.bucket = std::string(rest.substr(0, slash));
  if (!ValidBucket(loc.bucket)) {
    return Bad(url, absl::StrCat("\"", loc.bucket,
                                 "\" is not an S3 bucket name (3-63 lowercase "
                                 "letters, digits, '.' and '-')"));
  }
  if (slash == absl::string_view::npos) return loc;
  absl::string_view prefix = rest.substr(slash + 1);
  absl::ConsumeSuffix(&prefix, "/");
  if (prefix.size() > 512) return Bad(url, "the prefix is over 512 bytes");
  for (unsigned char c : prefix) {
    if (c < 0x20 || c == 0x7f) {
      return Bad(url, "the prefix has a control character");
    }
  }
  if (!prefix.empty()) {
    for (absl::string_view segment : absl::StrSplit(prefix, '/')) {
      if (segment.empty() || segment == "." || segment == "..") {
        return Bad(url, "the prefix has an empty, \".\" or \"..\" segment");
      }
    }
  }
  loc.prefix = std::string(prefix);
  return loc;
}

}  // namespace archive
