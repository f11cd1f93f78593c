#include "services/rpc/tile_routes.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "storage/base/sha256.h"
#include "storage/format/tlog_tiles.h"

namespace archive {
namespace {

constexpr char kImmutable[] = "public, max-age=31536000, immutable";
constexpr char kPartial[] = "public, max-age=3600";
constexpr char kCheckpoint[] = "public, max-age=5";

HttpResponse Failure(const absl::Status& status) {
  HttpResponse response;
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      response.status = 404;
      break;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      response.status = 400;
      break;
    default:
      response.status = 500;
  }
  response.body = absl::StrCat(status.message(), "\n");
  response.headers.push_back({"Cache-Control", "no-store"});
  return response;
}

HttpResponse Bytes(std::string body, const char* cache_control) {
  HttpResponse response;
  response.content_type = "application/octet-stream";
  response.body = std::move(body);
  response.headers.push_back({"Cache-Control", cache_control});
  return response;
}

}  // namespace

void TileRoutes::AddRoutes(HttpListener* listener) {
  listener->Handle("GET", "/log/(checkpoint|tile/.+)",
                   [this](const HttpRequest& request) {
                     return Serve(archive_->origin(), request.matches[0]);
                   });
  listener->Handle("GET", "/mirror/([0-9a-f]{64})/(checkpoint|tile/.+)",
                   [this](const HttpRequest& request) {
                     return ServeMirror(request.matches[0], request.matches[1]);
                   });
}

HttpResponse TileRoutes::ServeMirror(const std::string& origin_sha256_hex,
                                     const std::string& path) {
  auto origins = archive_->mirrors().Origins();
  if (!origins.ok()) return Failure(origins.status());
  for (const std::string& origin : *origins) {
    if (Sha256::HexDigest(origin) == origin_sha256_hex) {
      return Serve(origin, path);
    }
  }
  return Failure(absl::NotFoundError(
      absl::StrCat("this archive mirrors no log whose origin has SHA-256 ",
                   origin_sha256_hex)));
}

HttpResponse TileRoutes::Serve(const std::string& origin,
                               const std::string& path) {
  auto log = archive_->ServedLog(origin);
  if (!log.ok()) return Failure(log.status());
  if (path == "checkpoint") {
    HttpResponse response;
    response.body = queries_.ServedCheckpoint(*log);
    response.headers.push_back({"Cache-Control", kCheckpoint});
    return response;
  }
  auto tile = ParseTilePath(absl::StripPrefix(path, "tile/"));
  if (!tile.ok()) return Failure(tile.status());
  const uint64_t size = log->checkpoint().size;
  auto bytes = tile->entries ? EntryBundle(
                                   [&](uint64_t start, uint64_t count) {
                                     return log->Leaves(start, count);
                                   },
                                   size, *tile)
                             : HashTile(log->tree(), size, *tile);
  if (!bytes.ok()) return Failure(bytes.status());
  return Bytes(std::move(*bytes),
               tile->width == kTileWidth ? kImmutable : kPartial);
}

}  // namespace archive
