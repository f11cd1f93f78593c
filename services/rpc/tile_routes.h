// The logs this archive serves as C2SP tlog-tiles over HTTP: its own log
// under /log/ and its verbatim mirror of each peer's log under
// /mirror/<hex SHA-256 of the peer's origin>/ (C2SP tlog-mirror's layout),
// each as <prefix>/checkpoint, <prefix>/tile/<L>/<N>[.p/<W>] and
// <prefix>/tile/entries/<N>[.p/<W>]. Tiles are read from the stored
// perfect-subtree hashes (no tree is recomputed per request), and the
// entries from the stored statements, so any tiles client can audit either
// log and any HTTP cache can serve it.
//
// Caching: a full tile never changes (immutable, a year); a partial one is
// fixed too but may be dropped once full (an hour); the checkpoint changes
// with every batch (5 s).
//
// The own checkpoint carries the witnesses' cosignatures (witness_collector.h);
// a mirror's carries the peer's signature and this archive's C2SP tlog-mirror
// cosignature (storage/witness/mirror_cosigner.h), as the spec asks of the
// checkpoint served under a mirror's prefix.
//
// Thread-safety: thread-safe. The archive is not owned and must outlive this.
#ifndef ARCHIVE_SERVICES_RPC_TILE_ROUTES_H_
#define ARCHIVE_SERVICES_RPC_TILE_ROUTES_H_

#include <string>

#include "services/http/http_listener.h"
#include "services/rpc/read_queries.h"
#include "storage/db/archive.h"

namespace archive {

class TileRoutes {
 public:
  // `queries` adds the witnesses' cosignatures to the own checkpoint.
  TileRoutes(Archive* archive, ReadQueries queries)
      : archive_(archive), queries_(queries) {}

  // Adds /log/... and /mirror/<hash>/... to `listener`.
  void AddRoutes(HttpListener* listener);

  // `path` below the log's prefix ("checkpoint", "tile/0/000.p/3") of the
  // log of `origin` (this archive's own, or a mirrored peer's).
  HttpResponse Serve(const std::string& origin, const std::string& path);
  // The mirror whose origin hashes to `origin_sha256_hex`.
  HttpResponse ServeMirror(const std::string& origin_sha256_hex,
                           const std::string& path);

 private:
  Archive* const archive_;
  const ReadQueries queries_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_RPC_TILE_ROUTES_H_
