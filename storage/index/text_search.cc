#include "storage/index/text_search.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "storage/base/utf8.h"
#include "storage/format/statement.h"
#include "unicode/normalizer2.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"
#include "unicode/uversion.h"

namespace archive {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Whitespace and control characters separate query terms, so no gram spans
// them. U+3000 is the ideographic (full-width) space common in Chinese text.
bool IsSeparator(char32_t c) {
  return c <= 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0x3000 || c == 0x2028 ||
         c == 0x2029 || c == 0xFEFF || (c >= 0x2000 && c <= 0x200B);
}

// NFKC_Casefold. ICU builds it from data compiled into libicudata, so it is
// missing only from a broken installation, where search cannot work at all.
const icu::Normalizer2& Folding() {
  static const icu::Normalizer2* const folding = [] {
    UErrorCode error = U_ZERO_ERROR;
    const icu::Normalizer2* n =
        icu::Normalizer2::getNFKCCasefoldInstance(error);
    if (U_FAILURE(error)) {
      std::fprintf(stderr, "ICU has no NFKC_Casefold data: %s\n",
                   u_errorName(error));
      std::abort();
    }
    return n;
  }();
  return *folding;
}

// Folds original[begin, end), a run the folding treats as a whole, onto *out.
void FoldRun(const std::u32string& original, size_t begin, size_t end,
             icu::UnicodeString& run, icu::UnicodeString& folded,
             std::u32string* out) {
  const char32_t c = original[begin];
  if (end == begin + 1 && c < 0x80) {  // the common case, without ICU
    out->push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return;
  }
  if (end == begin + 1 && Folding().isInert(c)) {  // most Chinese characters
    out->push_back(c);
    return;
  }
  run.remove();
  for (size_t i = begin; i < end; ++i) {
    run.append(static_cast<UChar32>(original[i]));
  }
  UErrorCode error = U_ZERO_ERROR;
  Folding().normalize(run, folded, error);
  if (U_FAILURE(error)) folded = run;  // only for memory exhaustion
  for (int32_t i = 0; i < folded.length(); i = folded.moveIndex32(i, 1)) {
    out->push_back(static_cast<char32_t>(folded.char32At(i)));
  }
}

// Folds `original` into *out and, if `from` is set, records where each folded
// character came from. Runs end where the folding has a boundary
// (Normalizer2::hasBoundaryBefore), so folding them one by one gives exactly
// the folding of the whole text, and a run is as short as it can be.
void Fold(const std::u32string& original, std::u32string* out,
          std::vector<std::pair<uint32_t, uint32_t>>* from) {
  icu::UnicodeString run, folded;
  size_t begin = 0;
  while (begin < original.size()) {
    size_t end = begin + 1;
    while (end < original.size() &&
           !Folding().hasBoundaryBefore(static_cast<UChar32>(original[end]))) {
      ++end;
    }
    FoldRun(original, begin, end, run, folded, out);
    if (from != nullptr) {
      from->resize(out->size(),
                   {static_cast<uint32_t>(begin), static_cast<uint32_t>(end)});
    }
    begin = end;
  }
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace

std::u32string DecodeUtf8Lossy(absl::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size() / 2);
  size_t pos = 0;
  while (pos < utf8.size()) {
    char32_t c;
    if (DecodeUtf8(utf8, &pos, &c)) {
      out.push_back(c);
    } else {
      out.push_back(kReplacement);
      ++pos;
    }
  }
  return out;
}

std::string SearchFoldingVersion() {
  UVersionInfo version;
  u_getUnicodeVersion(version);
  char text[U_MAX_VERSION_STRING_LENGTH];
  u_versionToString(version, text);
  return absl::StrCat("nfkc-casefold unicode-", text);
}

std::pair<size_t, size_t> FoldedText::OriginalSpan(size_t at,
                                                   size_t length) const {
  return {from[at].first, from[at + length - 1].second};
}

FoldedText FoldForSearch(const std::u32string& original) {
  FoldedText folded;
  folded.text.reserve(original.size());
  folded.from.reserve(original.size());
  Fold(original, &folded.text, &folded.from);
  return folded;
}

std::u32string NormalizeForSearch(absl::string_view utf8) {
  std::u32string folded;
  const std::u32string original = DecodeUtf8Lossy(utf8);
  folded.reserve(original.size());
  Fold(original, &folded, nullptr);
  return folded;
}

namespace {
// The packing text_search.h describes; `second_plus_one` is 0 for a 1-gram.
PackedGram Pack(char32_t first, char32_t second_plus_one) {
  return (static_cast<PackedGram>(first) << 21) | second_plus_one;
}
}  // namespace

PackedGram PackGram(const std::u32string& gram) {
  return Pack(gram[0], gram.size() > 1 ? gram[1] + 1 : 0);
}

std::string GramToUtf8(PackedGram gram) {
  std::u32string text(1, static_cast<char32_t>(gram >> 21));
  const char32_t second = static_cast<char32_t>(gram & 0x1FFFFF);
  if (second != 0) text.push_back(second - 1);
  return ToUtf8(text);
}

std::vector<PackedGram> DistinctGrams(const std::u32string& text) {
  // A hash set, then a sort of the distinct grams: a document of 13,000
  // characters has about 26,000 grams but only 5,000 distinct ones.
  absl::flat_hash_set<PackedGram> seen;
  seen.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsSeparator(text[i])) continue;
    seen.insert(Pack(text[i], 0));
    if (i + 1 < text.size() && !IsSeparator(text[i + 1])) {
      seen.insert(Pack(text[i], text[i + 1] + 1));
    }
  }
  std::vector<PackedGram> grams(seen.begin(), seen.end());
  std::sort(grams.begin(), grams.end());
  return grams;
}

std::vector<std::u32string> GramsOf(const std::u32string& term) {
  if (term.size() == 1) return {term};
  std::vector<std::u32string> grams;
  for (size_t i = 0; i + 1 < term.size(); ++i) {
    grams.push_back(term.substr(i, 2));
  }
  std::sort(grams.begin(), grams.end());
  grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
  return grams;
}

std::vector<std::u32string> QueryTerms(absl::string_view query) {
  std::u32string text = NormalizeForSearch(query);
  std::vector<std::u32string> terms;
  std::u32string term;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || IsSeparator(text[i])) {
      if (!term.empty() &&
          std::find(terms.begin(), terms.end(), term) == terms.end()) {
        terms.push_back(term);
      }
      term.clear();
    } else {
      term.push_back(text[i]);
    }
  }
  return terms;
}

std::vector<size_t> FindAll(const std::u32string& text,
                            const std::u32string& term) {
  std::vector<size_t> at;
  if (term.empty()) return at;
  for (size_t pos = text.find(term); pos != std::u32string::npos;
       pos = text.find(term, pos + 1)) {
    at.push_back(pos);
  }
  return at;
}

std::string Snippet(const std::u32string& original, size_t at, size_t length,
                    size_t before, size_t after) {
  const size_t start = at > before ? at - before : 0;
  const size_t end = std::min(original.size(), at + length + after);
  std::string out = start > 0 ? "…" : "";
  bool last_was_space = true;  // no blank right after the opening "…"
  for (size_t i = start; i < end; ++i) {
    if (i == at) out += "【";
    if (i == at + length) out += "】";
    char32_t c = original[i];
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (c == ' ' && last_was_space) continue;  // runs of blanks read as one
    last_was_space = c == ' ';
    AppendUtf8(c, &out);
  }
  if (end == at + length) out += "】";
  if (!out.empty() && out.back() == ' ') out.pop_back();
  if (end < original.size()) out += "…";
  return out;
}

std::string ToUtf8(const std::u32string& text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (char32_t c : text) AppendUtf8(c, &out);
  return out;
}

}  // namespace archive
