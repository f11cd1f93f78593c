#include "clients/cli/receipt_files.h"

#include "absl/strings/str_cat.h"
#include "clients/cli/cli_output.h"
#include "storage/base/env.h"
#include "storage/base/hex.h"
#include "storage/format/signed_note.h"
#include "storage/format/statement.h"

namespace archive {
namespace {

// The origin's signature in a signed statement ("" if it has none).
std::string OriginSignature(const Note& note, const std::string& origin) {
  for (const NoteSignature& s : note.signatures) {
    if (s.key_name == origin) return s.signature;
  }
  return "";
}

absl::Status Mismatch(const std::string& dir, const char* file,
                      const char* what) {
  return absl::DataLossError(absl::StrCat(
      dir, "/", file, ": ", what, " does not match ", kStatementNoteFile));
}

absl::StatusOr<ReceiptParts> ParseInclusionJson(const std::string& text,
                                                ReceiptParts parts) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() ||
      !j["leaf_index"].is_number_unsigned() ||
      !j["tree_size"].is_number_unsigned() || !j["hashes"].is_array()) {
    return absl::InvalidArgumentError(
        "expected {\"leaf_index\":N,\"tree_size\":M,\"hashes\":[...]}");
  }
  parts.leaf_index = j["leaf_index"].get<uint64_t>();
  parts.tree_size = j["tree_size"].get<uint64_t>();
  for (const Json& h : j["hashes"]) {
    auto hash =
        h.is_string() ? Base64Decode(h.get<std::string>()) : std::nullopt;
    if (!hash.has_value()) {
      return absl::InvalidArgumentError("a hash is not a base64 string");
    }
    parts.inclusion.push_back(std::move(*hash));
  }
  return parts;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ReceiptFiles(
    const v1::Receipt& receipt) {
  auto note = ParseNote(receipt.signed_statement());
  if (!note.ok()) return note.status();
  auto statement = ParseStatement(note->text);
  if (!statement.ok()) return statement.status();
  return std::map<std::string, std::string>{
      {kStatementNoteFile, receipt.signed_statement()},
      {kStatementTextFile, note->text},
      {kStatementSigFile, OriginSignature(*note, statement->origin)},
      {kCheckpointNoteFile, receipt.checkpoint()},
      {kInclusionJsonFile,
       InclusionProofJson(receipt.inclusion()).dump(2) + "\n"},
  };
}

absl::Status WriteReceipt(const std::string& dir, const v1::GetHeader& header) {
  Env* env = Env::Default();
  if (absl::Status s = env->CreateDirs(dir); !s.ok()) return s;
  auto files = ReceiptFiles(header.receipt());
  if (!files.ok()) return files.status();
  for (const auto& [name, contents] : *files) {
    if (absl::Status s = env->WriteFileAtomic(dir + "/" + name, contents);
        !s.ok())
      return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<ReceiptParts> ReadReceipt(const std::string& dir) {
  Env* env = Env::Default();
  std::map<std::string, std::string> files;
  for (const char* name :
       {kStatementNoteFile, kStatementTextFile, kStatementSigFile,
        kCheckpointNoteFile, kInclusionJsonFile}) {
    auto contents = env->ReadFile(absl::StrCat(dir, "/", name));
    if (!contents.ok()) {
      return absl::NotFoundError(
          absl::StrCat(dir, "/", name, ": missing from the receipt"));
    }
    files[name] = std::move(*contents);
  }
  ReceiptParts parts;
  parts.signed_statement = files[kStatementNoteFile];
  parts.checkpoint = files[kCheckpointNoteFile];
  auto note = ParseNote(parts.signed_statement);
  if (!note.ok()) {
    return absl::DataLossError(absl::StrCat(dir, "/", kStatementNoteFile, ": ",
                                            note.status().message()));
  }
  auto statement = ParseStatement(note->text);
  if (!statement.ok()) {
    return absl::DataLossError(absl::StrCat(dir, "/", kStatementNoteFile, ": ",
                                            statement.status().message()));
  }
  if (files[kStatementTextFile] != note->text)
    return Mismatch(dir, kStatementTextFile, "the statement text");
  if (files[kStatementSigFile] != OriginSignature(*note, statement->origin))
    return Mismatch(dir, kStatementSigFile, "the origin's signature");
  auto parsed = ParseInclusionJson(files[kInclusionJsonFile], std::move(parts));
  if (!parsed.ok()) {
    return absl::DataLossError(absl::StrCat(dir, "/", kInclusionJsonFile, ": ",
                                            parsed.status().message()));
  }
  return parsed;
}

}  // namespace archive
