// The POSIX Env: atomic whole-file writes with the requested permissions,
// directory helpers, errors mapped to status codes, and RFC 3339 formatting of
// the clock (the submitted-at and checkpoint contracts depend on it).
#include "storage/base/env.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/unit/storage/db/storage_test_util.h"

namespace archive {
namespace {

using testing_util::CountEntries;
using testing_util::FileMode;
using testing_util::ReadWholeFile;
using testing_util::ScopedTempDir;
using testing_util::WriteWholeFile;

TEST(EnvTest, WriteFileAtomicWritesTheContentAndLeavesNoTempFile) {
  ScopedTempDir dir;
  Env* env = Env::Default();
  std::string path = dir.Sub("marker");
  std::string data("first line\n\0binary\xff", 19);
  ASSERT_TRUE(env->WriteFileAtomic(path, data).ok());
  EXPECT_EQ(ReadWholeFile(path), data);
  EXPECT_EQ(FileMode(path), 0644);
  EXPECT_EQ(CountEntries(dir.path()), 1u) << "the .tmp file was left behind";

  // A second write replaces the whole file, not a prefix of it.
  ASSERT_TRUE(env->WriteFileAtomic(path, "short").ok());
  EXPECT_EQ(ReadWholeFile(path), "short");
  EXPECT_EQ(CountEntries(dir.path()), 1u);
}

TEST(EnvTest, WriteFileAtomicRespectsMode0600) {
  ScopedTempDir dir;
  Env* env = Env::Default();
  std::string path = dir.Sub("secret.pem");
  ASSERT_TRUE(env->WriteFileAtomic(path, "private", 0600).ok());
  EXPECT_EQ(FileMode(path), 0600);
  EXPECT_EQ(ReadWholeFile(path), "private");

  // Replacing a world-readable file with a private one must not inherit the
  // old permissions: the temp file is created with the new mode.
  std::string loose = dir.Sub("was-public");
  WriteWholeFile(loose, "old");
  ASSERT_EQ(::chmod(loose.c_str(), 0644), 0);
  ASSERT_TRUE(env->WriteFileAtomic(loose, "new", 0600).ok());
  EXPECT_EQ(FileMode(loose), 0600);
  EXPECT_EQ(ReadWholeFile(loose), "new");
}

TEST(EnvTest, NewWritableFileAppliesModeEvenOverAStaleFile) {
  ScopedTempDir dir;
  Env* env = Env::Default();
  std::string path = dir.Sub("stale");
  WriteWholeFile(path, "left over by a crash");
  ASSERT_EQ(::chmod(path.c_str(), 0666), 0);
  auto file = env->NewWritableFile(path, 0600);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Append("fresh").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(FileMode(path), 0600);
  EXPECT_EQ(ReadWholeFile(path), "fresh");
}

TEST(EnvTest, ReadFileReturnsWholeFileAndNotFoundWhenMissing) {
  ScopedTempDir dir;
  Env* env = Env::Default();
  // Larger than ReadFile's 64 KiB buffer, so it takes several reads.
  std::string big(200 * 1024 + 17, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31);
  WriteWholeFile(dir.Sub("big"), big);
  auto read = env->ReadFile(dir.Sub("big"));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, big);

  auto missing = env->ReadFile(dir.Sub("absent"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound)
      << missing.status();
  EXPECT_NE(missing.status().message().find(dir.Sub("absent")),
            absl::string_view::npos)
      << "the error should name the file: " << missing.status();
}

TEST(EnvTest, CreateDirsMakesNestedDirectoriesAndIsIdempotent) {
  ScopedTempDir dir;
  Env* env = Env::Default();
  std::string nested = dir.Sub("a/b/c/d");
  ASSERT_TRUE(env->CreateDirs(nested).ok());
  EXPECT_TRUE(std::filesystem::is_directory(nested));
  EXPECT_TRUE(env->FileExists(nested));
  // Existing directories are fine, with or without a trailing slash.
  EXPECT_TRUE(env->CreateDirs(nested).ok());
  EXPECT_TRUE(env->CreateDirs(dir.Sub("a/b/")).ok());
  EXPECT_TRUE(env->CreateDirs(dir.Sub("a/b/e")).ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir.Sub("a/b/e")));
}

TEST(EnvTest, CreateDirsFailsWhenAComponentIsAFile) {
  ScopedTempDir dir;
  Env* env = Env::Default();
  WriteWholeFile(dir.Sub("plain"), "not a directory");
  absl::Status s = env->CreateDirs(dir.Sub("plain/sub"));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("plain"), absl::string_view::npos) << s;
}

TEST(EnvTest, ListDirListsEntriesWithoutDotEntries) {
  ScopedTempDir dir;
  Env* env = Env::Default();
  auto empty = env->ListDir(dir.path());
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());

  WriteWholeFile(dir.Sub("one"), "1");
  WriteWholeFile(dir.Sub("two"), "2");
  ASSERT_TRUE(env->CreateDirs(dir.Sub("sub")).ok());
  WriteWholeFile(dir.Sub("sub/nested"), "not listed: ListDir is shallow");
  auto names = env->ListDir(dir.path());
  ASSERT_TRUE(names.ok()) << names.status();
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"one", "sub", "two"}));

  auto missing = env->ListDir(dir.Sub("absent"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound)
      << missing.status();
}

TEST(EnvTest, FileSizeRenameAndRemove) {
  ScopedTempDir dir;
  Env* env = Env::Default();
  WriteWholeFile(dir.Sub("f"), "12345");
  auto size = env->FileSize(dir.Sub("f"));
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 5u);

  ASSERT_TRUE(env->RenameFile(dir.Sub("f"), dir.Sub("g")).ok());
  EXPECT_FALSE(env->FileExists(dir.Sub("f")));
  EXPECT_EQ(ReadWholeFile(dir.Sub("g")), "12345");
  EXPECT_TRUE(env->SyncDir(dir.path()).ok());

  ASSERT_TRUE(env->RemoveFile(dir.Sub("g")).ok());
  EXPECT_FALSE(env->FileExists(dir.Sub("g")));
  EXPECT_EQ(env->RemoveFile(dir.Sub("g")).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(env->FileSize(dir.Sub("g")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(env->RenameFile(dir.Sub("g"), dir.Sub("h")).code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(env->SyncDir(dir.Sub("no-such-dir")).ok());
}

TEST(EnvTest, SequentialFileReadsInChunksThenEmpty) {
  ScopedTempDir dir;
  Env* env = Env::Default();
  WriteWholeFile(dir.Sub("f"), "abcdefg");
  auto file = env->NewSequentialFile(dir.Sub("f"));
  ASSERT_TRUE(file.ok()) << file.status();
  char scratch[3];
  std::string got;
  while (true) {
    auto chunk = (*file)->Read(sizeof scratch, scratch);
    ASSERT_TRUE(chunk.ok()) << chunk.status();
    if (chunk->empty()) break;
    EXPECT_LE(chunk->size(), sizeof scratch);
    got.append(chunk->data(), chunk->size());
  }
  EXPECT_EQ(got, "abcdefg");
  EXPECT_EQ(env->NewSequentialFile(dir.Sub("absent")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(EnvTest, ClockIsNearSystemTime) {
  Env* env = Env::Default();
  int64_t seconds = env->NowSeconds();
  int64_t micros = env->NowMicros();
  int64_t now = static_cast<int64_t>(::time(nullptr));
  EXPECT_LE(std::abs(seconds - now), 5);
  EXPECT_LE(std::abs(micros / 1000000 - now), 5);
}

TEST(EnvTest, EnvWrapperForwardsToItsTarget) {
  ScopedTempDir dir;
  testing_util::FixedClockEnv env(1796000000);
  EXPECT_EQ(env.NowSeconds(), 1796000000);
  EXPECT_EQ(env.NowMicros(), int64_t{1796000000} * 1000000);
  env.Advance(5);
  EXPECT_EQ(env.NowSeconds(), 1796000005);
  // The whole-file helpers go through the wrapper's virtual calls.
  ASSERT_TRUE(env.WriteFileAtomic(dir.Sub("x"), "via wrapper", 0600).ok());
  EXPECT_EQ(FileMode(dir.Sub("x")), 0600);
  auto read = env.ReadFile(dir.Sub("x"));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "via wrapper");
  EXPECT_TRUE(env.FileExists(dir.Sub("x")));
}

TEST(FormatRfc3339Test, KnownValues) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  // date -u -d @1796000000 +%FT%TZ
  EXPECT_EQ(FormatRfc3339(1796000000), "2026-11-30T00:53:20Z");
  EXPECT_EQ(FormatRfc3339(59), "1970-01-01T00:00:59Z");
  EXPECT_EQ(FormatRfc3339(86399), "1970-01-01T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(86400), "1970-01-02T00:00:00Z");
  // 2^31: past the 32-bit time_t limit.
  EXPECT_EQ(FormatRfc3339(int64_t{1} << 31), "2038-01-19T03:14:08Z");
}

TEST(FormatRfc3339Test, LeapYears) {
  // date -u -d 2024-02-29T12:00:00Z +%s
  EXPECT_EQ(FormatRfc3339(1709208000), "2024-02-29T12:00:00Z");
  EXPECT_EQ(FormatRfc3339(1709208000 + 86400), "2024-03-01T12:00:00Z");
  // 2000 is a leap year (divisible by 400)...
  EXPECT_EQ(FormatRfc3339(951868799), "2000-02-29T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(951868800), "2000-03-01T00:00:00Z");
  // ...2100 is not (divisible by 100, not by 400).
  EXPECT_EQ(FormatRfc3339(4107542399), "2100-02-28T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(4107542400), "2100-03-01T00:00:00Z");
  // And 2023 is an ordinary year.
  EXPECT_EQ(FormatRfc3339(1677628799), "2023-02-28T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(1677628800), "2023-03-01T00:00:00Z");
}

}  // namespace
}  // namespace archive
