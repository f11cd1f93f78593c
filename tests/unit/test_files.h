// Reading the files unit tests compare against: the known-answer vectors
// (tests/testdata/vectors) and the sample corpus. A file that cannot be read
// fails the calling test (not the binary) and reads as empty, so one missing
// vector names itself and the other tests still run.
#ifndef ARCHIVE_TESTS_UNIT_TEST_FILES_H_
#define ARCHIVE_TESTS_UNIT_TEST_FILES_H_

#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace archive::testing {

// The bytes of the file at `path`.
inline std::string ReadTestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The bytes of the known-answer vector `name` (a path under the vectors dir).
inline std::string VectorFile(const std::string& name) {
  return ReadTestFile(std::string(ARCHIVE_VECTORS_DIR) + "/" + name);
}

}  // namespace archive::testing

#endif  // ARCHIVE_TESTS_UNIT_TEST_FILES_H_
