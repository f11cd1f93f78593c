// The vocabulary of the four-property check (四性检测, archivectl check): every
// check gives a verdict and says why, and a property's verdict is the worst of
// its checks'.
#ifndef ARCHIVE_CLIENTS_CHECK_CHECK_VERDICT_H_
#define ARCHIVE_CLIENTS_CHECK_CHECK_VERDICT_H_

#include <algorithm>
#include <string>
#include <vector>

namespace archive {

// Ordered by severity: a report's verdict is its worst finding's.
enum class Verdict { kPass = 0, kWarn = 1, kFail = 2 };

inline const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kWarn:
      return "warn";
    case Verdict::kFail:
      return "fail";
  }
  return "fail";
}

struct Finding {
  std::string check;  // short name, e.g. "signature", "media-type"
  Verdict verdict = Verdict::kPass;
  std::string detail;  // why, in a sentence a records officer can act on
};

inline Verdict Worst(const std::vector<Finding>& findings) {
  Verdict worst = Verdict::kPass;
  for (const Finding& f : findings) worst = std::max(worst, f.verdict);
  return worst;
}

}  // namespace archive

#endif  // ARCHIVE_CLIENTS_CHECK_CHECK_VERDICT_H_
