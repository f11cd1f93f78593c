#include "storage/base/rfc3339.h"

#include <algorithm>
#include <cstddef>

#include "absl/strings/ascii.h"

namespace archive {
namespace {

bool AllDigits(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

// Value of the two-digit (or four-digit) decimal at s[pos, pos+len).
int Digits(absl::string_view s, size_t pos, size_t len) {
  int n = 0;
  for (char c : s.substr(pos, len)) n = n * 10 + (c - '0');
  return n;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

bool IsCalendarDate(absl::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!AllDigits(s.substr(0, 4)) || !AllDigits(s.substr(5, 2)) ||
      !AllDigits(s.substr(8, 2))) {
    return false;
  }
  const int year = Digits(s, 0, 4), month = Digits(s, 5, 2),
            day = Digits(s, 8, 2);
  return month >= 1 && month <= 12 && day >= 1 &&
         day <= DaysInMonth(year, month);
}

bool IsUtcTimestamp(absl::string_view s) {
  if (s.size() != 20 || !IsCalendarDate(s.substr(0, 10)) || s[10] != 'T' ||
      s[13] != ':' || s[16] != ':' || s[19] != 'Z') {
    return false;
  }
  for (size_t pos : {11, 14, 17}) {
    if (!AllDigits(s.substr(pos, 2))) return false;
  }
  // No leap second: a statement's time is a plain Unix-representable instant.
  return Digits(s, 11, 2) <= 23 && Digits(s, 14, 2) <= 59 &&
         Digits(s, 17, 2) <= 59;
}

}  // namespace archive
