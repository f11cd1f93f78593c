// The web view's files (services/web/assets/), built into archived by
// cmake/embed_assets.cmake so that an installed binary serves them with
// nothing beside it.
#ifndef ARCHIVE_SERVICES_RPC_WEB_ASSETS_H_
#define ARCHIVE_SERVICES_RPC_WEB_ASSETS_H_

#include <cstddef>
#include <vector>

namespace archive {

struct EmbeddedAsset {
  const char* name;  // file name, e.g. "app.js"
  const unsigned char* bytes;
  size_t size;
};

// Every embedded file, sorted by name. Thread-safe.
const std::vector<EmbeddedAsset>& EmbeddedAssets();

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_WEB_ASSETS_H_
