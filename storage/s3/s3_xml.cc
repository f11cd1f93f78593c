#include "storage/s3/s3_xml.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace archive {

std::vector<absl::string_view> XmlElements(absl::string_view xml,
                                           absl::string_view tag) {
  std::vector<absl::string_view> out;
  const std::string open = absl::StrCat("<", tag);
  const std::string close = absl::StrCat("</", tag, ">");
  size_t pos = 0;
  while ((pos = xml.find(open, pos)) != absl::string_view::npos) {
    size_t after = pos + open.size();
    if (after >= xml.size()) break;
    // "<Key>" or "<Key attr=…>", not "<KeyMarker>".
    if (xml[after] != '>' && xml[after] != ' ') {
      pos = after;
      continue;
    }
    size_t start = xml.find('>', after);
    if (start == absl::string_view::npos) break;
    if (xml[start - 1] == '/') {  // <tag/>: empty
      out.push_back(absl::string_view());
      pos = start + 1;
      continue;
    }
    size_t end = xml.find(close, start + 1);
    if (end == absl::string_view::npos) break;
    out.push_back(xml.substr(start + 1, end - start - 1));
    pos = end + close.size();
  }
  return out;
}

std::string XmlText(absl::string_view xml, absl::string_view tag) {
  std::vector<absl::string_view> found = XmlElements(xml, tag);
  return found.empty() ? std::string() : XmlUnescape(found[0]);
}

std::string XmlUnescape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    size_t semi = text.find(';', i);
    if (semi == absl::string_view::npos) {
      out.append(text.data() + i, text.size() - i);
      break;
    }
    absl::string_view entity = text.substr(i + 1, semi - i - 1);
    uint32_t code = 0;
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity.size() > 1 && entity[0] == '#' &&
               (entity[1] == 'x' ? absl::SimpleHexAtoi(entity.substr(2), &code)
                                 : absl::SimpleAtoi(entity.substr(1), &code)) &&
               code > 0 && code < 128) {
      out.push_back(static_cast<char>(code));
    } else {
      out.append(text.data() + i, semi - i + 1);  // left as it was
    }
    i = semi;
  }
  return out;
}

std::string XmlEscape(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace archive
