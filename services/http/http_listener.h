// archived's HTTP listener (cpp-httplib underneath; see README, "Why these
// libraries"): operations routes today, the web view, the JSON API and the
// log tiles later. Routes are added before Start; each handler turns a request
// into a response and never sees the library's types.
//
// Thread-safety: handlers run on the listener's worker threads, several at
// once; they must be thread-safe. Handle is not thread-safe and must precede
// Start; Stop may be called from any thread, once or more.
#ifndef ARCHIVE_SERVICES_HTTP_HTTP_LISTENER_H_
#define ARCHIVE_SERVICES_HTTP_HTTP_LISTENER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace archive {

// True for 127.x.x.x:PORT, [::1]:PORT and localhost:PORT: the addresses that
// may be served without TLS.
bool IsLoopbackAddress(const std::string& host_port);

struct HttpRequest {
  std::string method;
  std::string path;
  std::vector<std::string> matches;  // the route pattern's capture groups
  std::multimap<std::string, std::string> params;  // the query's
  std::multimap<std::string, std::string> headers;
  std::string body;
};

// Writes bytes of a streamed body to the client; false once it is gone.
using HttpWrite = std::function<bool(const char* data, size_t size)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // If set, the body is not `body` but `stream_length` bytes produced by
  // `stream`: called with the offset and length still wanted (from the start,
  // or of the one range a Range request asked for, which the listener answers
  // with 206 and Content-Range), in increasing offsets, writing some of them
  // through `write` each time; false aborts the response (the client sees it
  // cut short). It runs on the listener's thread after the handler returned,
  // so it must own what it reads (e.g. through a shared_ptr).
  uint64_t stream_length = 0;
  std::function<bool(uint64_t offset, uint64_t length, const HttpWrite& write)>
      stream;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Told of each request a handler answered: its path, the request body's
// bytes and the response body's (a streamed one's full length).
using HttpTrafficObserver = std::function<void(
    const std::string& path, uint64_t received_bytes, uint64_t sent_bytes)>;

struct HttpListenerOptions {
  std::string address;        // HOST:PORT; port 0 picks a free one
  std::string tls_cert_file;  // PEM chain; with tls_key_file, serves HTTPS
  std::string tls_key_file;
};

class HttpListener {
 public:
  // INVALID_ARGUMENT for an address that is not HOST:PORT, a non-loopback
  // address without TLS, only one of the TLS files, or TLS files that do not
  // load (naming the flag's file).
  static absl::StatusOr<std::unique_ptr<HttpListener>> Create(
      const HttpListenerOptions& options);
  ~HttpListener();  // stops

  // Serves `method` ("GET", "POST") requests whose path matches `pattern`
  // (an ECMAScript regular expression matched against the whole path).
  void Handle(const std::string& method, const std::string& pattern,
              HttpHandler handler);
  // Calls `observer` after each handled request (on the worker's thread, so
  // it must be thread-safe). Like Handle, before Start.
  void set_traffic_observer(HttpTrafficObserver observer) {
    traffic_observer_ = std::move(observer);
  }
  // Binds and starts serving on a thread of its own. UNAVAILABLE if the
  // address cannot be bound (in use).
  absl::Status Start();
  // The port bound (after Start).
  int port() const { return port_; }
  // Stops accepting and finishes the requests being served.
  void Stop();

 private:
  HttpListener(std::unique_ptr<httplib::Server> server, std::string host,
               int port);
  std::unique_ptr<httplib::Server> server_;
  std::string host_;
  int port_;
  HttpTrafficObserver traffic_observer_;
  std::thread thread_;
};

}  // namespace archive

#endif  // ARCHIVE_SERVICES_HTTP_HTTP_LISTENER_H_
