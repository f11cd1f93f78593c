#include "services/rpc/web_routes.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/rpc/web_assets.h"

namespace archive {
namespace {

// A name the asset folder can hold: no path, no hidden file.
bool IsAssetName(const std::string& name) {
  return !name.empty() && name[0] != '.' &&
         name.find('/') == std::string::npos &&
         name.find('\\') == std::string::npos;
}

}  // namespace

std::string ContentTypeOf(const std::string& name) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [extension, type] : kTypes) {
    if (absl::EndsWith(name, extension)) return type;
  }
  return "application/octet-stream";
}

void WebRoutes::AddRoutes(HttpListener* listener) {
  auto page = [this](const HttpRequest&) { return Asset("index.html"); };
  listener->Handle("GET", "/", page);
  listener->Handle("GET", "/doc/.+", page);
  listener->Handle("GET", "/static/(.+)", [this](const HttpRequest& request) {
    return Asset(request.matches[0]);
  });
}

HttpResponse WebRoutes::Asset(const std::string& name) const {
  HttpResponse response;
  response.content_type = ContentTypeOf(name);
  // Short-lived: a new archived may bring new files under the same names.
  response.headers.push_back({"Cache-Control", "no-cache"});
  response.headers.push_back({"X-Content-Type-Options", "nosniff"});
  response.headers.push_back(
      {"Content-Security-Policy",
       "default-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'"});
  bool found = false;
  if (IsAssetName(name) && !web_root_.empty()) {
    std::ifstream in(web_root_ + "/" + name, std::ios::binary);
    std::ostringstream bytes;
    if (in && (bytes << in.rdbuf())) {
      response.body = bytes.str();
      found = true;
    }
  } else if (IsAssetName(name)) {
    for (const EmbeddedAsset& asset : EmbeddedAssets()) {
      if (name != asset.name) continue;
      response.body.assign(reinterpret_cast<const char*>(asset.bytes),
                           asset.size);
      found = true;
    }
  }
  if (!found) {
    response.status = 404;
    response.content_type = "text/plain; charset=utf-8";
    response.body = absl::StrCat("no such file: ", name, "\n");
  }
  return response;
}

}  // namespace archive
