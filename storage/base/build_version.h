// What was built: the project version (CMakeLists.txt's project(VERSION), the
// one place it is defined), the git commit it was built from and the build
// type, for `archived --version`, `archivectl --version` and the server's
// version in GetArchiveInfo. Generated at build time by
// cmake/build_version.cmake.
#ifndef ARCHIVE_STORAGE_BASE_BUILD_VERSION_H_
#define ARCHIVE_STORAGE_BASE_BUILD_VERSION_H_

#include <string>

#include "absl/strings/string_view.h"

namespace archive {

// "X.Y.Z".
const char* ProjectVersion();
// The short commit hash of the checkout built, or "unknown" when built outside
// a git checkout (a release tarball).
const char* GitCommit();
// CMAKE_BUILD_TYPE: Release, RelWithDebInfo, Debug, ...
const char* BuildType();

// "X.Y.Z (commit C, BUILD_TYPE)": what GetArchiveInfo reports as the server's
// version.
std::string VersionString();
// "PROGRAM X.Y.Z (commit C, BUILD_TYPE)", the line --version prints.
std::string VersionLine(absl::string_view program);

}  // namespace archive

#endif  // ARCHIVE_STORAGE_BASE_BUILD_VERSION_H_
