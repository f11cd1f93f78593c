#include "storage/witness/witness.h"

#include <sys/stat.h>

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "storage/base/hex.h"
#include "storage/format/cosignature.h"
#include "storage/format/origin.h"
#include "storage/format/signed_note.h"
#include "storage/verify/note_verifier.h"
#include "storage/verify/proof_verifier.h"
#include "storage/witness/cosigner_key.h"

namespace archive {
namespace {

// The spec's limit on proof lines, and a bound on what is read at all.
constexpr size_t kMaxProofLines = 63;
constexpr size_t kMaxBodyBytes = 64 << 10;

struct AddRequest {
  uint64_t old_size = 0;
  std::vector<std::string> proof;
  std::string note;
};

WitnessAnswer Answer(int status, std::string body) {
  WitnessAnswer answer;
  answer.status = status;
  answer.body = std::move(body);
  if (answer.body.empty() || answer.body.back() != '\n') answer.body += "\n";
  return answer;
}

absl::StatusOr<AddRequest> ParseRequest(absl::string_view body) {
  if (body.size() > kMaxBodyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("request body larger than ", kMaxBodyBytes, " bytes"));
  }
  AddRequest request;
  size_t end = body.find('\n');
  absl::string_view old_line = body.substr(0, end);
  if (end == absl::string_view::npos ||
      !absl::ConsumePrefix(&old_line, "old ") || old_line.empty() ||
      (old_line.size() > 1 && old_line[0] == '0') ||
      old_line.find_first_not_of("0123456789") != absl::string_view::npos ||
      !absl::SimpleAtoi(old_line, &request.old_size)) {
    return absl::InvalidArgumentError(
        "the first line must be \"old <size>\" in decimal without leading "
        "zeros");
  }
  body.remove_prefix(end + 1);
  while (true) {
    end = body.find('\n');
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          "no empty line between the proof and the checkpoint");
    }
    absl::string_view line = body.substr(0, end);
    body.remove_prefix(end + 1);
    if (line.empty()) break;
    auto hash = Base64Decode(line);
    if (!hash.has_value() || hash->size() != 32) {
      return absl::InvalidArgumentError(
          absl::StrCat("proof line ", request.proof.size() + 1,
                       " is not a base64 SHA-256 hash"));
    }
    if (request.proof.size() == kMaxProofLines) {
      return absl::InvalidArgumentError(
          absl::StrCat("more than ", kMaxProofLines, " proof lines"));
    }
    request.proof.push_back(std::move(*hash));
  }
  request.note = std::string(body);
  return request;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Witness>> Witness::Open(
    Env* env, const std::string& data_dir, const std::string& name) {
  auto key = LoadOrMakeCosignerKey(env, data_dir, "witness", name);
  if (!key.ok()) return key.status();
  const std::string dir = data_dir + "/witness";
  for (const char* sub : {"/state", "/evidence"}) {
    if (absl::Status s = env->CreateDirs(dir + sub, 0755); !s.ok()) return s;
  }
  return std::unique_ptr<Witness>(new Witness(env, dir, std::move(*key)));
}

std::string Witness::VerifierKey() const { return CosignerVerifierKey(*key_); }

std::string Witness::StatePath(const std::string& origin) const {
  return absl::StrCat(dir_, "/state/", OriginFileName(origin));
}

absl::StatusOr<Checkpoint> Witness::ReadState(const std::string& origin) {
  const std::string path = StatePath(origin);
  auto text = env_->ReadFile(path);
  if (absl::IsNotFound(text.status())) return Checkpoint();
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat("cannot read the witness's state file ",
                                     path, ": ", text.status().message()));
  }
  auto state = ParseCheckpoint(*text);
  if (state.ok() && state->origin != origin) {
    state = absl::InvalidArgumentError(
        absl::StrCat("it holds a checkpoint of ", state->origin));
  }
  if (!state.ok()) {
    // Never taken for "nothing cosigned": that would cosign a fork.
    return absl::DataLossError(absl::StrCat(
        "the witness's state file ", path, " is damaged (",
        state.status().message(), "); it records the last checkpoint of ",
        origin,
        " this witness cosigned, and nothing of that log is cosigned "
        "until it is restored"));
  }
  return state;
}

void Witness::KeepEvidence(const std::string& origin, absl::string_view why,
                           absl::string_view body) {
  uint64_t n = ++evidence_count_;
  // Best effort: the refusal stands whether or not the evidence is written.
  env_->WriteFileAtomic(absl::StrCat(dir_, "/evidence/", env_->NowMicros(), "-",
                                     n, "-", OriginFileName(origin)),
                        absl::StrCat(why, "\n\n", body), 0644)
      .IgnoreError();
}

WitnessAnswer Witness::AddCheckpoint(absl::string_view body,
                                     const TrustStore& logs) {
  auto request = ParseRequest(body);
  if (!request.ok())
    return Answer(400, std::string(request.status().message()));
  auto note = ParseNote(request->note);
  if (!note.ok()) return Answer(400, std::string(note.status().message()));
  auto cp = ParseCheckpoint(note->text);
  if (!cp.ok()) return Answer(400, std::string(cp.status().message()));
  const ::archive::VerifierKey* log_key = logs.Find(cp->origin);
  if (log_key == nullptr) {
    return Answer(404, absl::StrCat("this witness does not witness the log ",
                                    cp->origin));
  }
  if (auto verified = VerifyNote(request->note, *log_key); !verified.ok()) {
    return Answer(403,
                  absl::StrCat("no signature by a trusted key of ", cp->origin,
                               " verifies: ", verified.status().message()));
  }
  if (request->old_size > cp->size) {
    return Answer(400,
                  absl::StrCat("old size ", request->old_size,
                               " is larger than the checkpoint's ", cp->size));
  }
  absl::MutexLock lock(&mu_);
  auto latest = ReadState(cp->origin);  // size 0: never cosigned
  if (!latest.ok()) {
    return Answer(500, absl::StrCat("refusing to cosign the checkpoint of ",
                                    cp->size, ": ", latest.status().message()));
  }
  if (request->old_size != latest->size) {
    WitnessAnswer conflict = Answer(409, absl::StrCat(latest->size));
    conflict.content_type = "text/x.tlog.size";
    return conflict;
  }
  if (request->old_size == cp->size) {
    if (cp->size > 0 && cp->root_hash != latest->root_hash) {
      KeepEvidence(cp->origin, "another root at the cosigned size", body);
      WitnessAnswer conflict = Answer(409, absl::StrCat(latest->size));
      conflict.content_type = "text/x.tlog.size";
      return conflict;
    }
  } else if (request->old_size == 0
                 ? !request->proof.empty()
                 : !VerifyConsistency(request->old_size, cp->size,
                                      latest->root_hash, cp->root_hash,
                                      request->proof)
                        .ok()) {
    KeepEvidence(cp->origin, "the consistency proof does not verify", body);
    return Answer(422,
                  absl::StrCat("the checkpoint of ", cp->size,
                               " is not proven to extend the one of ",
                               request->old_size, " this witness cosigned"));
  }
  // Durable before the cosignature leaves: a restarted witness remembers.
  if (absl::Status s = env_->WriteFileAtomic(StatePath(cp->origin), note->text);
      !s.ok()) {
    return Answer(
        500, absl::StrCat("refusing to cosign the checkpoint of ", cp->size,
                          ": cannot record it in the witness's "
                          "state file ",
                          StatePath(cp->origin), ": ", s.message()));
  }
  const uint64_t now = static_cast<uint64_t>(env_->NowSeconds());
  WitnessAnswer cosigned =
      Answer(200, FormatSignatureLine(Cosign(*key_, now, note->text)));
  cosigned.origin = cp->origin;
  cosigned.cosigned_size = cp->size;
  return cosigned;
}

std::map<std::string, uint64_t> Witness::CosignedSizes() {
  std::map<std::string, uint64_t> sizes;
  absl::MutexLock lock(&mu_);
  auto files = env_->ListDir(dir_ + "/state");
  if (!files.ok()) return sizes;
  for (const std::string& file : *files) {
    auto text = env_->ReadFile(dir_ + "/state/" + file);
    if (!text.ok()) continue;
    auto cp = ParseCheckpoint(*text);
    if (cp.ok()) sizes[cp->origin] = cp->size;
  }
  return sizes;
}

}  // namespace archive
