#include "storage/base/build_version.h"

#include "absl/strings/str_cat.h"
#include "archive_build_version.h"  // generated: the ARCHIVE_* macros

namespace archive {

const char* ProjectVersion() { return ARCHIVE_PROJECT_VERSION; }
const char* GitCommit() { return ARCHIVE_GIT_COMMIT; }
const char* BuildType() { return ARCHIVE_BUILD_TYPE; }

std::string VersionString() {
  return absl::StrCat(ProjectVersion(), " (commit ", GitCommit(), ", ",
                      BuildType(), ")");
}

std::string VersionLine(absl::string_view program) {
  return absl::StrCat(program, " ", VersionString());
}

}  // namespace archive
