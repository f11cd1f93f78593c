#include "storage/text_search.h"

#include <algorithm>

#include "storage/statement.h"

namespace archive {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Whitespace and control characters separate query terms, so no gram spans
// them. U+3000 is the ideographic (full-width) space common in Chinese text.
bool IsSeparator(char32_t c) {
  return c <= 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0x3000 || c == 0x2028 ||
         c == 0x2029 || c == 0xFEFF || (c >= 0x2000 && c <= 0x200B);
}

char32_t Fold(char32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

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

std::u32string FoldForSearch(std::u32string text) {
  for (char32_t& c : text) c = Fold(c);
  return text;
}

std::u32string NormalizeForSearch(absl::string_view utf8) {
  return FoldForSearch(DecodeUtf8Lossy(utf8));
}

std::map<std::u32string, uint32_t> CountGrams(const std::u32string& text) {
  std::map<std::u32string, uint32_t> grams;
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsSeparator(text[i])) continue;
    ++grams[text.substr(i, 1)];
    if (i + 1 < text.size() && !IsSeparator(text[i + 1])) {
      ++grams[text.substr(i, 2)];
    }
  }
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
