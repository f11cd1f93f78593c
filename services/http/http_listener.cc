#include "services/http/http_listener.h"

#include <httplib.h>
#include <sys/socket.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace archive {
namespace {

// HOST and PORT of "HOST:PORT" or "[V6]:PORT"; false if it is neither.
bool SplitHostPort(const std::string& address, std::string* host, int* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = address.substr(0, colon);
  if (absl::StartsWith(*host, "[") && absl::EndsWith(*host, "]")) {
    *host = host->substr(1, host->size() - 2);
  }
  return !host->empty() && absl::SimpleAtoi(address.substr(colon + 1), port) &&
         *port >= 0 && *port <= 65535;
}

HttpRequest FromLibrary(const httplib::Request& in) {
  HttpRequest out;
  out.method = in.method;
  out.path = in.path;
  for (size_t i = 1; i < in.matches.size(); ++i) {
    out.matches.push_back(in.matches[i].str());
  }
  out.params.insert(in.params.begin(), in.params.end());
  out.headers.insert(in.headers.begin(), in.headers.end());
  out.body = in.body;
  return out;
}

void ToLibrary(const HttpResponse& in, const httplib::Request& request,
               httplib::Response& out) {
  out.status = in.status;
  // The library sends the range a Range request asks for (with its
  // Content-Range) but leaves the status as set.
  if (in.stream && in.status == 200 && !request.ranges.empty()) {
    out.status = 206;
  }
  for (const auto& [name, value] : in.headers) out.set_header(name, value);
  if (!in.stream) {
    out.set_content(in.body, in.content_type);
    return;
  }
  out.set_content_provider(in.stream_length, in.content_type,
                           [stream = in.stream](size_t offset, size_t length,
                                                httplib::DataSink& sink) {
                             return stream(offset, length,
                                           [&sink](const char* data, size_t n) {
                                             return sink.write(data, n);
                                           });
                           });
}

}  // namespace

bool IsLoopbackAddress(const std::string& host_port) {
  return absl::StartsWith(host_port, "127.") ||
         absl::StartsWith(host_port, "[::1]:") ||
         absl::StartsWith(host_port, "localhost:");
}

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Create(
    const HttpListenerOptions& options) {
  std::string host;
  int port = 0;
  if (!SplitHostPort(options.address, &host, &port)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--http_listen=", options.address, ": expected HOST:PORT"));
  }
  bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (!tls && !IsLoopbackAddress(options.address)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing to serve HTTP on ", options.address,
        " without TLS: use 127.0.0.1:PORT or [::1]:PORT, or give --tls_cert "
        "and --tls_key"));
  }
  std::unique_ptr<httplib::Server> server;
  if (tls) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return absl::InvalidArgumentError("give both --tls_cert and --tls_key");
    }
    server = std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(),
                                                  options.tls_key_file.c_str());
  } else {
    server = std::make_unique<httplib::Server>();
  }
  if (!server->is_valid()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot serve HTTPS with --tls_cert=", options.tls_cert_file,
        " and --tls_key=", options.tls_key_file,
        ": the certificate or key does not load"));
  }
  // Not httplib's default SO_REUSEPORT: with it a second archived could bind
  // a port the first still serves.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server->set_read_timeout(10, 0);
  server->set_write_timeout(30, 0);
  server->set_payload_max_length(1 << 20);
  server->set_error_handler(
      [](const httplib::Request& req, httplib::Response& res) {
        if (res.body.empty()) {
          res.set_content(
              absl::StrCat(res.status, ": no such page: ", req.path, "\n"),
              "text/plain; charset=utf-8");
        }
      });
  return std::unique_ptr<HttpListener>(
      new HttpListener(std::move(server), host, port));
}

HttpListener::HttpListener(std::unique_ptr<httplib::Server> server,
                           std::string host, int port)
    : server_(std::move(server)), host_(std::move(host)), port_(port) {}

HttpListener::~HttpListener() { Stop(); }

void HttpListener::Handle(const std::string& method, const std::string& pattern,
                          HttpHandler handler) {
  auto adapter = [this, handler = std::move(handler)](
                     const httplib::Request& req, httplib::Response& res) {
    HttpResponse response = handler(FromLibrary(req));
    if (traffic_observer_) {
      traffic_observer_(
          req.path, req.body.size(),
          response.stream ? response.stream_length : response.body.size());
    }
    ToLibrary(response, req, res);
  };
  if (method == "POST") {
    server_->Post(pattern, adapter);
  } else {
    server_->Get(pattern, adapter);
  }
}

absl::Status HttpListener::Start() {
  if (port_ == 0) {
    port_ = server_->bind_to_any_port(host_);
    if (port_ < 0) port_ = 0;
  } else if (!server_->bind_to_port(host_, port_)) {
    port_ = 0;
  }
  if (port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve HTTP on ", host_, " (is the port in use?)"));
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return absl::OkStatus();
}

void HttpListener::Stop() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace archive
