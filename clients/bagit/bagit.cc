#include "clients/bagit/bagit.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "storage/base/file_hash.h"
#include "storage/base/hex.h"
#include "storage/base/sha256.h"
#include "storage/base/small_files.h"
#include "storage/format/origin.h"

namespace archive {
namespace {

namespace fs = std::filesystem;

constexpr char kBagitTxt[] = "bagit.txt";
constexpr char kBagInfoTxt[] = "bag-info.txt";
constexpr char kPayloadManifest[] = "manifest-sha256.txt";
constexpr char kTagManifest[] = "tagmanifest-sha256.txt";
constexpr char kFetchTxt[] = "fetch.txt";
// bagit.txt is two short lines.
constexpr size_t kMaxBagitTxtBytes = 4096;

// Lines of a tag file, whatever its line endings (RFC 8493 allows LF, CRLF
// and CR). A final line ending does not start another line.
std::vector<std::string> SplitLines(absl::string_view text) {
  std::vector<std::string> lines;
  std::string line;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '\r' && c != '\n') {
      line.push_back(c);
      continue;
    }
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    lines.push_back(std::move(line));
    line.clear();
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

// A relative path of "/"-separated components, none of them empty, "." or
// "..": it stays inside the directory it is relative to.
bool IsContainedPath(absl::string_view path) {
  if (path.empty()) return false;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return true;
}

// "manifest-sha256.txt" -> "sha256" for prefix "manifest-"; "" if the name is
// not such a manifest.
std::string ManifestAlgorithm(absl::string_view name,
                              absl::string_view prefix) {
  if (!absl::ConsumePrefix(&name, prefix) ||
      !absl::ConsumeSuffix(&name, ".txt") || name.empty()) {
    return "";
  }
  return std::string(name);
}

bool IsTagManifest(absl::string_view name) {
  return !ManifestAlgorithm(name, "tagmanifest-").empty();
}

std::string StripTrailingSlashes(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

// Every regular file below `dir`, as "/"-separated paths relative to it, with
// its size; and every directory. Symbolic links and special files are
// refused: a bag is plain files, and a link could point outside it.
struct Tree {
  std::map<std::string, uint64_t> files;
  std::set<std::string> dirs;
};

absl::StatusOr<Tree> ListTree(const std::string& dir) {
  Tree tree;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) {
    return absl::NotFoundError(
        absl::StrCat("cannot read directory ", dir, ": ", ec.message()));
  }
  for (; it != end; it.increment(ec)) {
    if (ec) {
      return absl::DataLossError(
          absl::StrCat("cannot read below ", dir, ": ", ec.message()));
    }
    std::string rel = it->path().string().substr(dir.size() + 1);
    fs::file_status st = it->symlink_status(ec);
    if (fs::is_symlink(st)) {
      return absl::InvalidArgumentError(
          absl::StrCat(rel, ": symbolic links are not allowed in a bag"));
    }
    if (fs::is_directory(st)) {
      tree.dirs.insert(rel);
    } else if (fs::is_regular_file(st)) {
      tree.files[rel] = it->file_size(ec);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(rel, ": not a regular file or directory"));
    }
  }
  return tree;
}

// "<sha256>  <encoded path>\n" for each file, in path order.
absl::StatusOr<std::string> RenderManifest(
    const std::string& root, const std::vector<std::string>& paths,
    uint64_t* total_bytes) {
  std::string manifest;
  for (const std::string& rel : paths) {
    uint64_t size = 0;
    auto digest = Sha256File(root + "/" + rel, &size);
    if (!digest.ok()) return digest.status();
    if (total_bytes != nullptr) *total_bytes += size;
    absl::StrAppend(&manifest, *digest, "  ", EncodeManifestPath(rel), "\n");
  }
  return manifest;
}

// Reads one manifest into path -> lowercase hex digest, checking each line's
// form and that each path stays inside the bag.
absl::StatusOr<std::map<std::string, std::string>> ReadManifest(
    const std::string& dir, const std::string& name) {
  auto text = Env::Default()->ReadFile(dir + "/" + name);
  if (!text.ok()) return text.status();
  std::map<std::string, std::string> entries;
  int number = 0;
  for (const std::string& line : SplitLines(*text)) {
    ++number;
    auto where = [&] { return absl::StrCat(name, " line ", number, ": "); };
    size_t gap = line.find_first_of(" \t");
    size_t path_start =
        gap == std::string::npos ? gap : line.find_first_not_of(" \t", gap);
    if (path_start == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), "expected \"<checksum> <path>\""));
    }
    std::string digest = absl::AsciiStrToLower(line.substr(0, gap));
    if (!IsSha256Hex(digest)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where(), "\"", line.substr(0, gap), "\" is not a SHA-256 in hex"));
    }
    auto path = DecodeManifestPath(line.substr(path_start));
    if (!path.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), path.status().message()));
    }
    if (!IsContainedPath(*path)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where(), "path \"", *path, "\" leaves the bag or is not normalized"));
    }
    if (!entries.emplace(*path, digest).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), *path, " is listed twice"));
    }
  }
  return entries;
}

// The digests of files, each hashed at most once however many manifests name
// it.
class DigestCache {
 public:
  explicit DigestCache(std::string dir) : dir_(std::move(dir)) {}
  absl::StatusOr<std::string> Get(const std::string& rel) {
    auto it = digests_.find(rel);
    if (it != digests_.end()) return it->second;
    uint64_t size = 0;
    auto digest = Sha256File(dir_ + "/" + rel, &size);
    if (!digest.ok()) return digest.status();
    digests_[rel] = *digest;
    return *digest;
  }

 private:
  std::string dir_;
  std::map<std::string, std::string> digests_;
};

// One manifest against the files it must cover (`covered`): both ways, then
// every checksum.
absl::Status CheckManifest(const std::string& dir, const std::string& name,
                           const std::map<std::string, uint64_t>& covered,
                           DigestCache& digests) {
  auto entries = ReadManifest(dir, name);
  if (!entries.ok()) return entries.status();
  for (const auto& [path, digest] : *entries) {
    if (!covered.count(path)) {
      return absl::DataLossError(absl::StrCat(path, ": listed in ", name,
                                              " but missing from the bag"));
    }
  }
  for (const auto& [path, size] : covered) {
    if (!entries->count(path)) {
      return absl::DataLossError(
          absl::StrCat(path, ": in the bag but not listed in ", name));
    }
  }
  for (const auto& [path, want] : *entries) {
    auto got = digests.Get(path);
    if (!got.ok()) return got.status();
    if (*got != want) {
      return absl::DataLossError(
          absl::StrCat(path, ": checksum mismatch: ", name, " says sha256 ",
                       want, ", the file hashes to ", *got));
    }
  }
  return absl::OkStatus();
}

// Read before the tree is listed (which refuses links and special files), so
// it is checked on its own: a link to /dev/zero or a FIFO named bagit.txt must
// be refused, not read.
absl::Status CheckBagitTxt(const std::string& dir) {
  auto text =
      ReadRegularFile(dir + "/" + kBagitTxt, kMaxBagitTxtBytes, Links::kRefuse);
  if (absl::IsNotFound(text.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat(dir, " is not a bag: it has no readable bagit.txt"));
  }
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dir, " is not a bag: its bagit.txt cannot be used: ",
                     text.status().message()));
  }
  if (absl::StartsWith(*text, "\xEF\xBB\xBF")) {
    return absl::InvalidArgumentError(
        "bagit.txt: starts with a byte-order mark (RFC 8493 forbids it)");
  }
  std::vector<std::string> lines = SplitLines(*text);
  absl::string_view version, encoding;
  if (lines.size() != 2 || !absl::StartsWith(lines[0], "BagIt-Version: ") ||
      !absl::StartsWith(lines[1], "Tag-File-Character-Encoding: ")) {
    return absl::InvalidArgumentError(
        "bagit.txt: expected exactly the lines \"BagIt-Version: M.N\" and "
        "\"Tag-File-Character-Encoding: ENCODING\"");
  }
  version = absl::string_view(lines[0]).substr(strlen("BagIt-Version: "));
  encoding = absl::string_view(lines[1]).substr(
      strlen("Tag-File-Character-Encoding: "));
  if (version != "1.0") {
    return absl::UnimplementedError(absl::StrCat(
        "bagit.txt: BagIt-Version ", version, " is not supported (only 1.0)"));
  }
  if (!absl::EqualsIgnoreCase(encoding, "UTF-8")) {
    return absl::UnimplementedError(
        absl::StrCat("bagit.txt: tag files in ", encoding,
                     " are not supported (only UTF-8)"));
  }
  return absl::OkStatus();
}

absl::Status CheckPayloadOxum(const ValidBag& bag, uint64_t files) {
  std::string oxum = bag.Info("Payload-Oxum");
  if (oxum.empty()) return absl::OkStatus();
  std::pair<std::string, std::string> parts = absl::StrSplit(oxum, '.');
  uint64_t octets = 0, streams = 0;
  if (!absl::SimpleAtoi(parts.first, &octets) ||
      !absl::SimpleAtoi(parts.second, &streams)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bag-info.txt: Payload-Oxum \"", oxum, "\" is not OCTETS.FILES"));
  }
  if (octets != bag.payload_bytes || streams != files) {
    return absl::DataLossError(
        absl::StrCat("bag-info.txt: Payload-Oxum says ", octets, " octets in ",
                     streams, " files, the payload has ", bag.payload_bytes,
                     " octets in ", files, " files"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string EncodeManifestPath(absl::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<std::string> DecodeManifestPath(absl::string_view encoded) {
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      out.push_back(encoded[i]);
      continue;
    }
    std::string code =
        absl::AsciiStrToUpper(encoded.substr(i + 1, 2));  // may be short
    if (code == "25") {
      out.push_back('%');
    } else if (code == "0D") {
      out.push_back('\r');
    } else if (code == "0A") {
      out.push_back('\n');
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"%", code, "\" in a path (only %0D, %0A and %25 may be encoded)"));
    }
    i += 2;
  }
  return out;
}

std::string SafeFileName(absl::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    if (absl::ascii_isalnum(c) || c == '_' || c == '-') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return CapEscapedName(std::move(out), name, kMaxSafeNameBytes, 16);
}

absl::StatusOr<std::vector<BagInfoEntry>> ParseBagInfo(absl::string_view text) {
  std::vector<BagInfoEntry> entries;
  int number = 0;
  for (const std::string& line : SplitLines(text)) {
    ++number;
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (entries.empty()) {
        return absl::InvalidArgumentError(
            "bag-info.txt line 1: a continuation line with nothing to "
            "continue");
      }
      absl::StrAppend(&entries.back().value, " ",
                      absl::StripAsciiWhitespace(line));
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bag-info.txt line ", number, ": expected \"Label: value\""));
    }
    entries.push_back(
        {std::string(absl::StripTrailingAsciiWhitespace(line.substr(0, colon))),
         std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)))});
  }
  return entries;
}

std::string ValidBag::Info(absl::string_view label) const {
  for (const BagInfoEntry& e : info) {
    if (absl::EqualsIgnoreCase(e.label, label)) return e.value;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<BagWriter>> BagWriter::Create(
    const std::string& dir_in, Env* env) {
  std::string dir = StripTrailingSlashes(dir_in);
  std::error_code ec;
  fs::file_status st = fs::symlink_status(dir, ec);
  if (fs::exists(st) &&
      (!fs::is_directory(st) || !fs::is_empty(dir, ec) || ec)) {
    return absl::AlreadyExistsError(absl::StrCat(
        dir, " already exists and is not an empty directory; give a new one"));
  }
  std::string temp = absl::StrCat(dir, ".partial-", ::getpid());
  fs::remove_all(temp, ec);  // left by an earlier run that crashed
  if (absl::Status s = env->CreateDirs(temp + "/data"); !s.ok()) return s;
  return std::unique_ptr<BagWriter>(new BagWriter(env, dir, temp));
}

BagWriter::~BagWriter() {
  if (finished_) return;
  std::error_code ec;
  fs::remove_all(temp_, ec);
}

absl::Status BagWriter::WriteFile(const std::string& path,
                                  absl::string_view contents) {
  auto file = env_->NewWritableFile(path);
  if (!file.ok()) return file.status();
  absl::Status s = (*file)->Append(contents);
  if (s.ok()) s = (*file)->Sync();
  if (s.ok()) s = (*file)->Close();
  return s;
}

absl::StatusOr<std::string> BagWriter::PayloadPath(
    const std::string& relative) {
  if (!IsContainedPath(relative)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "payload path \"", relative, "\" would leave the bag's data/"));
  }
  std::string path = absl::StrCat(temp_, "/data/", relative);
  if (absl::Status s = env_->CreateDirs(ParentDir(path)); !s.ok()) return s;
  return path;
}

absl::Status BagWriter::WritePayload(const std::string& relative,
                                     absl::string_view contents) {
  auto path = PayloadPath(relative);
  if (!path.ok()) return path.status();
  return WriteFile(*path, contents);
}

absl::Status BagWriter::WriteTagFile(const std::string& name,
                                     absl::string_view contents) {
  if (!IsContainedPath(name) || name.find('/') != std::string::npos ||
      name == "data" || name == kBagitTxt || name == kBagInfoTxt ||
      absl::StartsWith(name, "manifest-") || IsTagManifest(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" cannot be an extra tag file"));
  }
  return WriteFile(absl::StrCat(temp_, "/", name), contents);
}

void BagWriter::AddInfo(std::string label, std::string value) {
  // One line each: a line break would start a label of its own.
  std::replace(value.begin(), value.end(), '\n', ' ');
  std::replace(value.begin(), value.end(), '\r', ' ');
  info_.push_back({std::move(label), std::move(value)});
}

absl::Status BagWriter::Finish() {
  auto tree = ListTree(temp_);
  if (!tree.ok()) return tree.status();
  std::vector<std::string> payload;
  for (const auto& [rel, size] : tree->files) {
    if (absl::StartsWith(rel, "data/")) payload.push_back(rel);
  }
  payload_files_ = payload.size();
  payload_bytes_ = 0;
  auto manifest = RenderManifest(temp_, payload, &payload_bytes_);
  if (!manifest.ok()) return manifest.status();

  std::string info;
  for (const BagInfoEntry& e : info_)
    absl::StrAppend(&info, e.label, ": ", e.value, "\n");
  absl::StrAppend(
      &info, "Bagging-Date: ", FormatRfc3339(env_->NowSeconds()).substr(0, 10),
      "\n", "Payload-Oxum: ", payload_bytes_, ".", payload_files_, "\n");

  const std::pair<const char*, const std::string> tag_files[] = {
      {kBagitTxt, "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"},
      {kPayloadManifest, *manifest},
      {kBagInfoTxt, info}};
  for (const auto& [name, contents] : tag_files) {
    if (absl::Status s = WriteFile(absl::StrCat(temp_, "/", name), contents);
        !s.ok())
      return s;
  }
  // The tag manifest covers every tag file: ours and any the caller added.
  tree = ListTree(temp_);
  if (!tree.ok()) return tree.status();
  std::vector<std::string> tags;
  for (const auto& [rel, size] : tree->files) {
    if (!absl::StartsWith(rel, "data/") && !IsTagManifest(rel))
      tags.push_back(rel);
  }
  auto tag_manifest = RenderManifest(temp_, tags, nullptr);
  if (!tag_manifest.ok()) return tag_manifest.status();
  absl::Status s =
      WriteFile(absl::StrCat(temp_, "/", kTagManifest), *tag_manifest);
  // Every directory entry durable before the bag appears under its name.
  for (auto it = tree->dirs.begin(); s.ok() && it != tree->dirs.end(); ++it) {
    s = env_->SyncDir(absl::StrCat(temp_, "/", *it));
  }
  if (s.ok()) s = env_->SyncDir(temp_);
  if (s.ok()) s = env_->RenameFile(temp_, dir_);
  if (s.ok()) s = env_->SyncDir(ParentDir(dir_));
  if (!s.ok()) return s;
  finished_ = true;
  return absl::OkStatus();
}

absl::StatusOr<ValidBag> ValidateBag(const std::string& dir_in) {
  std::string dir = StripTrailingSlashes(dir_in);
  if (absl::Status s = CheckBagitTxt(dir); !s.ok()) return s;
  auto tree = ListTree(dir);
  if (!tree.ok()) return tree.status();
  if (tree->files.count(kFetchTxt)) {
    return absl::UnimplementedError(
        "fetch.txt: this bag still needs files fetched from elsewhere; fetch "
        "them first (fetching is not supported)");
  }
  if (!tree->dirs.count("data")) {
    return absl::InvalidArgumentError("the bag has no data/ directory");
  }
  ValidBag bag;
  bag.dir = dir;
  std::map<std::string, uint64_t> payload, tags;
  std::vector<std::string> payload_manifests;
  for (const auto& [rel, size] : tree->files) {
    if (absl::StartsWith(rel, "data/")) {
      payload[rel] = size;
      bag.payload_bytes += size;
      continue;
    }
    std::string algorithm = ManifestAlgorithm(rel, "manifest-");
    std::string tag_algorithm = ManifestAlgorithm(rel, "tagmanifest-");
    if (!algorithm.empty() || !tag_algorithm.empty()) {
      if (algorithm != "sha256" && tag_algorithm != "sha256") {
        return absl::UnimplementedError(
            absl::StrCat(rel, ": only SHA-256 manifests are supported (",
                         kPayloadManifest, ", ", kTagManifest, ")"));
      }
      (algorithm.empty() ? bag.tag_manifests : payload_manifests)
          .push_back(rel);
    }
    if (tag_algorithm.empty()) tags[rel] = size;
  }
  if (payload_manifests.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the bag has no payload manifest (", kPayloadManifest, ")"));
  }
  if (tree->files.count(kBagInfoTxt)) {
    auto text = Env::Default()->ReadFile(dir + "/" + kBagInfoTxt);
    if (!text.ok()) return text.status();
    auto info = ParseBagInfo(*text);
    if (!info.ok()) return info.status();
    bag.info = std::move(*info);
  }
  // The cheap check first: a bag with missing or extra bytes fails here
  // without anything being hashed.
  if (absl::Status s = CheckPayloadOxum(bag, payload.size()); !s.ok()) return s;
  DigestCache digests(dir);
  for (const std::string& name : payload_manifests) {
    if (absl::Status s = CheckManifest(dir, name, payload, digests); !s.ok())
      return s;
  }
  for (const std::string& name : bag.tag_manifests) {
    if (absl::Status s = CheckManifest(dir, name, tags, digests); !s.ok())
      return s;
  }
  for (const auto& [path, size] : payload) {
    auto digest = digests.Get(path);
    if (!digest.ok()) return digest.status();
    bag.payload[path] = ValidBag::File{*digest, size};
  }
  return bag;
}

}  // namespace archive
