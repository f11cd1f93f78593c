#include "clients/check/media_check.h"

#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace archive {

void ContentSniffer::Utf8Byte(unsigned char c) {
  uint64_t offset = size_;
  if (pending_ > 0) {
    if (c < next_lo_ || c > next_hi_) {
      utf8_ok_ = false;
      error_offset_ = sequence_start_;
      return;
    }
    next_lo_ = 0x80;
    next_hi_ = 0xBF;
    --pending_;
    return;
  }
  sequence_start_ = offset;
  if (c < 0x80) return;
  // RFC 3629 section 4: the second byte's range rules out overlong forms
  // (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
  if (c >= 0xC2 && c <= 0xDF) {
    pending_ = 1;
  } else if (c == 0xE0) {
    pending_ = 2;
    next_lo_ = 0xA0;
  } else if (c == 0xED) {
    pending_ = 2;
    next_hi_ = 0x9F;
  } else if (c >= 0xE1 && c <= 0xEF) {
    pending_ = 2;
  } else if (c == 0xF0) {
    pending_ = 3;
    next_lo_ = 0x90;
  } else if (c == 0xF4) {
    pending_ = 3;
    next_hi_ = 0x8F;
  } else if (c >= 0xF1 && c <= 0xF3) {
    pending_ = 3;
  } else {
    utf8_ok_ = false;
    error_offset_ = offset;
  }
}

void ContentSniffer::Update(absl::string_view chunk) {
  if (head_.size() < kHeadBytes) {
    absl::string_view more = chunk.substr(0, kHeadBytes - head_.size());
    head_.append(more.data(), more.size());
  }
  absl::string_view last =
      chunk.substr(chunk.size() > kTailBytes ? chunk.size() - kTailBytes : 0);
  tail_.append(last.data(), last.size());
  if (tail_.size() > kTailBytes) tail_.erase(0, tail_.size() - kTailBytes);
  if (!utf8_ok_ && !ascii_) {
    size_ += chunk.size();  // nothing left to learn from the bytes between
    return;
  }
  for (char ch : chunk) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 0x80) ascii_ = false;
    if (utf8_ok_) Utf8Byte(c);
    ++size_;
  }
}

namespace {

struct MediaType {
  std::string type, subtype;                      // lowercase
  std::map<std::string, std::string> parameters;  // lowercase names
  std::string essence() const { return absl::StrCat(type, "/", subtype); }
};

// RFC 2045 token characters.
bool IsToken(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && !absl::StrContains("!#$%&'*+-.^_`|~", c))
      return false;
  }
  return true;
}

// "type/subtype; name=value; ..." (RFC 2045 section 5.1), case-insensitive
// names; nullopt if malformed.
std::optional<MediaType> ParseMediaType(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ';');
  std::pair<absl::string_view, absl::string_view> essence = absl::StrSplit(
      absl::StripAsciiWhitespace(parts[0]), absl::MaxSplits('/', 1));
  MediaType mt;
  mt.type = absl::AsciiStrToLower(essence.first);
  mt.subtype = absl::AsciiStrToLower(essence.second);
  if (!IsToken(mt.type) || !IsToken(mt.subtype)) return std::nullopt;
  for (size_t i = 1; i < parts.size(); ++i) {
    absl::string_view param = absl::StripAsciiWhitespace(parts[i]);
    if (param.empty()) continue;
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(param, absl::MaxSplits('=', 1));
    absl::string_view value = absl::StripAsciiWhitespace(kv.second);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    std::string name =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(kv.first));
    if (!IsToken(name) || value.empty()) return std::nullopt;
    mt.parameters[name] = std::string(value);
  }
  return mt;
}

// Text formats whose bytes must decode in their charset.
bool IsTextual(const MediaType& mt) {
  return mt.type == "text" || mt.essence() == "application/json" ||
         mt.essence() == "application/xml" ||
         absl::EndsWith(mt.subtype, "+json") ||
         absl::EndsWith(mt.subtype, "+xml");
}

struct FormatSignature {
  const char* label;
  std::vector<std::string> magics;  // any of these starts the file
};

// The signature a binary format must start with; nullptr if we know none.
const FormatSignature* SignatureFor(const MediaType& mt) {
  using namespace std::string_literals;
  static const auto* pdf = new FormatSignature{"PDF", {"%PDF-"}};
  static const auto* png = new FormatSignature{"PNG", {"\x89PNG\r\n\x1a\n"}};
  static const auto* jpeg = new FormatSignature{"JPEG", {"\xff\xd8\xff"}};
  static const auto* gif = new FormatSignature{"GIF", {"GIF87a", "GIF89a"}};
  static const auto* tiff = new FormatSignature{"TIFF", {"II*\0"s, "MM\0*"s}};
  static const auto* zip = new FormatSignature{"ZIP", {"PK\x03\x04"}};
  static const auto* ole2 = new FormatSignature{
      "OLE2 compound file", {"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"}};
  const std::string essence = mt.essence();
  if (essence == "application/pdf") return pdf;
  if (essence == "image/png") return png;
  if (essence == "image/jpeg") return jpeg;
  if (essence == "image/gif") return gif;
  if (essence == "image/tiff") return tiff;
  // OFD (GB/T 33190, the Chinese fixed-layout format), OOXML, ODF and EPUB are
  // ZIP containers.
  if (essence == "application/zip" || essence == "application/ofd" ||
      absl::EndsWith(mt.subtype, "+zip") ||
      absl::StartsWith(essence,
                       "application/vnd.openxmlformats-officedocument.") ||
      absl::StartsWith(essence, "application/vnd.oasis.opendocument.")) {
    return zip;
  }
  if (essence == "application/msword" ||
      essence == "application/vnd.ms-excel" ||
      essence == "application/vnd.ms-powerpoint") {
    return ole2;
  }
  return nullptr;
}

Finding CheckText(absl::string_view declared, const MediaType& mt,
                  const ContentSniffer& content) {
  std::string charset = "utf-8";
  if (auto it = mt.parameters.find("charset"); it != mt.parameters.end())
    charset = absl::AsciiStrToLower(it->second);
  if (charset == "us-ascii" || charset == "ascii") {
    if (content.ascii()) {
      return {"media-type", Verdict::kPass,
              absl::StrCat("declared ", declared, "; the bytes are ASCII")};
    }
    return {
        "media-type", Verdict::kFail,
        absl::StrCat("declared ", declared, " but the bytes are not ASCII")};
  }
  if (charset != "utf-8" && charset != "utf8") {
    return {"media-type", Verdict::kWarn,
            absl::StrCat("declared ", declared, ": charset ", charset,
                         " is not checked (only UTF-8 and US-ASCII are), so "
                         "the text was not confirmed readable")};
  }
  if (content.valid_utf8()) {
    return {"media-type", Verdict::kPass,
            absl::StrCat("declared ", declared, "; the bytes are valid UTF-8")};
  }
  return {"media-type", Verdict::kFail,
          absl::StrCat("declared ", declared,
                       " but the bytes are not valid UTF-8 (first bad "
                       "sequence at byte offset ",
                       content.utf8_error_offset(), ")")};
}

std::vector<Finding> CheckSignature(absl::string_view declared,
                                    const FormatSignature& sig,
                                    const ContentSniffer& content) {
  for (const std::string& magic : sig.magics) {
    if (!absl::StartsWith(content.head(), magic)) continue;
    std::vector<Finding> findings = {
        {"media-type", Verdict::kPass,
         absl::StrCat("declared ", declared, "; the bytes start with the ",
                      sig.label, " signature")}};
    if (std::string(sig.label) == "PDF" &&
        !absl::StrContains(content.tail(), "%%EOF")) {
      findings.push_back(
          {"completeness", Verdict::kWarn,
           "no %%EOF marker in the last 1 KiB: the PDF may be truncated"});
    }
    return findings;
  }
  return {{"media-type", Verdict::kFail,
           absl::StrCat("declared ", declared,
                        " but the bytes do not start with the ", sig.label,
                        " signature (they start with \"",
                        absl::CHexEscape(content.head().substr(0, 8)), "\")")}};
}

}  // namespace

std::vector<Finding> CheckMediaType(absl::string_view media_type,
                                    const ContentSniffer& content) {
  std::vector<Finding> findings;
  if (content.size() == 0) {
    findings.push_back({"size", Verdict::kFail,
                        "the content is empty (0 bytes): nothing to use"});
  } else {
    findings.push_back(
        {"size", Verdict::kPass, absl::StrCat(content.size(), " bytes")});
  }
  std::optional<MediaType> mt = ParseMediaType(media_type);
  if (!mt.has_value()) {
    findings.push_back(
        {"media-type", Verdict::kFail,
         absl::StrCat("\"", media_type,
                      "\" is not a media type (type/subtype[; name=value])")});
    return findings;
  }
  if (IsTextual(*mt)) {
    findings.push_back(CheckText(media_type, *mt, content));
  } else if (const FormatSignature* sig = SignatureFor(*mt)) {
    for (Finding& f : CheckSignature(media_type, *sig, content))
      findings.push_back(std::move(f));
  } else if (mt->essence() == "application/octet-stream") {
    findings.push_back(
        {"media-type", Verdict::kWarn,
         "application/octet-stream names no format, so whether the bytes are "
         "usable cannot be judged; archive it under its real media type"});
  } else {
    findings.push_back({"media-type", Verdict::kWarn,
                        absl::StrCat("no check is known for ", mt->essence(),
                                     ", so the format was not confirmed")});
  }
  return findings;
}

}  // namespace archive
