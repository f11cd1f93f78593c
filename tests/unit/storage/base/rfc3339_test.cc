// The statement's two time forms, checked at their edges.
#include "storage/base/rfc3339.h"

#include "gtest/gtest.h"

namespace archive {
namespace {

TEST(Rfc3339, CalendarDatesAreRealDays) {
  for (const char* s : {"2024-02-29", "2000-02-29", "2023-12-31", "0001-01-01",
                        "9999-12-31", "2023-04-30"}) {
    EXPECT_TRUE(IsCalendarDate(s)) << s;
  }
  for (const char* s :
       {"2023-02-29", "1900-02-29", "2023-04-31", "2023-13-01", "2023-00-10",
        "2023-01-00", "2023-1-01", "2023/01/01", "20230101", "2023-01-01 ",
        "+023-01-01", "2023-01-0a", ""}) {
    EXPECT_FALSE(IsCalendarDate(s)) << s;
  }
}

TEST(Rfc3339, UtcTimestampsAreWholeSecondsWithoutLeapSeconds) {
  for (const char* s : {"2026-12-03T00:00:00Z", "2024-02-29T23:59:59Z"}) {
    EXPECT_TRUE(IsUtcTimestamp(s)) << s;
  }
  for (const char* s :
       {"2026-12-03T24:00:00Z", "2026-12-03T23:60:00Z", "2026-12-03T23:59:60Z",
        "2026-12-03T12:00:00+08:00", "2026-12-03T12:00:00.5Z",
        "2026-12-03t12:00:00Z", "2026-12-03T12:00:00z", "2026-12-03 12:00:00Z",
        "2023-02-29T12:00:00Z", "2026-12-03T1:00:00Z", ""}) {
    EXPECT_FALSE(IsUtcTimestamp(s)) << s;
  }
}

}  // namespace
}  // namespace archive
