// The web view (README, "The web view"): one page, services/web/assets/
// index.html, served at / and at /doc/<id> (the page reads its route from
// the address), and its other files at /static/<name>. The page's scripts
// read the HTTP API (api_routes.h) and verify what they show in the reader's
// browser; nothing here vouches for anything.
//
// The files come from the copies built into archived (web_assets.h), or, with
// a `web_root` folder, from that folder at each request (for development:
// edit and reload).
//
// Thread-safety: thread-safe.
#ifndef ARCHIVE_SERVICES_RPC_WEB_ROUTES_H_
#define ARCHIVE_SERVICES_RPC_WEB_ROUTES_H_

#include <string>

#include "services/http/http_listener.h"

namespace archive {

class WebRoutes {
 public:
  // `web_root` empty: the embedded files.
  explicit WebRoutes(std::string web_root) : web_root_(std::move(web_root)) {}

  void AddRoutes(HttpListener* listener);
  // The file `name` ("index.html", "app.js"), or 404.
  HttpResponse Asset(const std::string& name) const;

 private:
  std::string web_root_;
};

// The Content-Type for a file name, by its extension.
std::string ContentTypeOf(const std::string& name);

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_WEB_ROUTES_H_
