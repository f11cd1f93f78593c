// The two RFC 3339 forms the statement format allows: a calendar date
// (YYYY-MM-DD, a day that exists) and a UTC time in whole seconds
// (YYYY-MM-DDTHH:MM:SSZ, no leap second). Checked by hand rather than with
// absl::ParseTime, which accepts more spellings (offsets, fractions, a
// 24:00:00) than one canonical statement may have. Pure; thread-safe.
#ifndef ARCHIVE_STORAGE_BASE_RFC3339_H_
#define ARCHIVE_STORAGE_BASE_RFC3339_H_

#include "absl/strings/string_view.h"

namespace archive {

// True if `s` is YYYY-MM-DD naming a real day of the proleptic Gregorian
// calendar (so 2024-02-29 is, 2023-02-29 is not).
bool IsCalendarDate(absl::string_view s);

// True if `s` is YYYY-MM-DDTHH:MM:SSZ with a calendar date, hours 00-23 and
// minutes and seconds 00-59.
bool IsUtcTimestamp(absl::string_view s);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_RFC3339_H_
