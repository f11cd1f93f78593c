#include "clients/cli/cli_output.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_format.h"
#include "storage/base/hex.h"

namespace archive {
namespace {

Json HashesJson(const google::protobuf::RepeatedPtrField<std::string>& hashes) {
  Json out = Json::array();
  for (const std::string& h : hashes) out.push_back(Base64Encode(h));
  return out;
}

}  // namespace

Json RevisionJson(const v1::Revision& r) {
  const v1::Metadata& m = r.metadata();
  Json j;
  j["revision_id"] = r.revision_id();
  // A damaged record carries nothing else the archive could vouch for.
  if (!r.damage().empty()) j["damage"] = r.damage();
  j["document_id"] = r.document_id();
  j["origin"] = r.origin();
  j["parents"] = Json::array();
  for (const std::string& p : r.parents()) j["parents"].push_back(p);
  j["sha256"] = r.sha256();
  j["size"] = r.size();
  j["media_type"] = m.media_type();
  j["status"] = m.status();
  for (const auto& [key, value] :
       {std::pair<const char*, const std::string*>{"title", &m.title()},
        {"issuer", &m.issuer()},
        {"number", &m.number()},
        {"region", &m.region()},
        {"date", &m.date()},
        {"source", &m.source()},
        {"note", &m.note()},
        {"effective", &m.effective()},
        {"expires", &m.expires()}}) {
    if (!value->empty()) j[key] = *value;
  }
  if (m.relations_size() > 0) {
    j["relations"] = Json::array();
    for (const v1::Relation& rel : m.relations()) {
      j["relations"].push_back(
          {{"kind", rel.kind()}, {"document_id", rel.document_id()}});
    }
  }
  j["submitted_by"] = r.submitted_by();
  j["submitted_at"] = r.submitted_at();
  j["leaf_index"] = r.leaf_index();
  return j;
}

Json InclusionProofJson(const v1::InclusionProof& p) {
  Json j;
  j["leaf_index"] = p.leaf_index();
  j["tree_size"] = p.tree_size();
  j["hashes"] = HashesJson(p.hashes());
  return j;
}

Json ConsistencyProofJson(const v1::ConsistencyProof& p) {
  Json j;
  j["old_size"] = p.old_size();
  j["new_size"] = p.new_size();
  j["hashes"] = HashesJson(p.hashes());
  return j;
}

std::string HumanSize(uint64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 4) {
    v /= 1024;
    ++unit;
  }
  return unit == 0 ? absl::StrFormat("%d B", bytes)
                   : absl::StrFormat("%.1f %s", v, kUnits[unit]);
}

ProgressBar::ProgressBar(std::string label, uint64_t total, uint64_t min_total)
    : label_(std::move(label)),
      total_(total),
      enabled_(total > min_total && ::isatty(STDERR_FILENO)) {}

ProgressBar::~ProgressBar() {
  if (drawn_) std::fputs("\n", stderr);
}

void ProgressBar::SetLabel(std::string label) {
  label_ = std::move(label);
  last_percent_ = -1;
}

void ProgressBar::Clear() {
  if (!drawn_) return;
  std::fputs("\r\x1b[K", stderr);  // carriage return, erase to end of line
  std::fflush(stderr);
  drawn_ = false;
  last_percent_ = -1;
}

void ProgressBar::Update(uint64_t done) {
  if (!enabled_ || total_ == 0) return;
  int percent = static_cast<int>(done * 100 / total_);
  if (percent == last_percent_) return;
  last_percent_ = percent;
  drawn_ = true;
  constexpr int kWidth = 30;
  int filled = percent * kWidth / 100;
  std::string bar(filled, '=');
  if (filled < kWidth) bar += '>' + std::string(kWidth - filled - 1, ' ');
  std::fprintf(stderr, "\r%s [%s] %3d%% %s/%s\x1b[K", label_.c_str(),
               bar.c_str(), percent, HumanSize(done).c_str(),
               HumanSize(total_).c_str());
  std::fflush(stderr);
}

}  // namespace archive
