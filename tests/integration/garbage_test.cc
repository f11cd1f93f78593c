// Hostile input on the wire (issue 5): a few hundred raw TCP connections with
// junk, HTTP/2 prefaces followed by junk, truncated and random frames and
// abrupt closes; then 10,000 malformed gRPC calls to every method of the
// Archive service (random bytes, mutated valid requests, well-formed requests
// with random field values) sent through grpc::GenericStub. Throughout, the
// server answers a health check; at the end it still serves real requests, its
// memory stayed bounded, and it shuts down cleanly.
//
// The RNG is seeded (GARBAGE_TEST_SEED overrides the seed) so a failure can be
// replayed; the seed is printed.
#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "archive/v1/archive.grpc.pb.h"
#include "clients/api/archive_client.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "storage/base/sha256.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

using std::chrono::steady_clock;
using Rng = std::mt19937_64;

constexpr int kConnections = 320;
constexpr int kCalls = 10000;
constexpr int kInFlight = 48;
constexpr long kMaxRssKb = 200 * 1024;
constexpr long kMaxGrowthKb = 50 * 1024;

uint64_t Seed() {
  const char* env = std::getenv("GARBAGE_TEST_SEED");
  return env != nullptr && *env ? std::strtoull(env, nullptr, 10) : 20240501;
}

uint64_t Uniform(Rng& rng, uint64_t lo, uint64_t hi) {
  return std::uniform_int_distribution<uint64_t>(lo, hi)(rng);
}
bool OneIn(Rng& rng, int n) { return Uniform(rng, 0, n - 1) == 0; }

std::string RandomBytes(Rng& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xFF);
  return s;
}

// ---------------------------------------------------------------- raw TCP

constexpr char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

std::string Frame(uint8_t type, uint8_t flags, uint32_t stream,
                  const std::string& payload, int64_t claimed_length = -1) {
  uint32_t length = claimed_length >= 0 ? claimed_length
                                        : static_cast<uint32_t>(payload.size());
  std::string f;
  f.push_back(static_cast<char>((length >> 16) & 0xFF));
  f.push_back(static_cast<char>((length >> 8) & 0xFF));
  f.push_back(static_cast<char>(length & 0xFF));
  f.push_back(static_cast<char>(type));
  f.push_back(static_cast<char>(flags));
  for (int shift : {24, 16, 8, 0}) {
    f.push_back(static_cast<char>((stream >> shift) & 0xFF));
  }
  return f + payload;
}

std::string Settings() { return Frame(0x4, 0, 0, ""); }

// An HPACK "literal header field without indexing, new name" (names and values
// shorter than 127 bytes).
std::string Literal(const std::string& name, const std::string& value) {
  std::string out(1, '\0');
  out.push_back(static_cast<char>(name.size()));
  out += name;
  out.push_back(static_cast<char>(value.size()));
  out += value;
  return out;
}

std::string GrpcHeaders(const std::string& path) {
  return Literal(":method", "POST") + Literal(":scheme", "http") +
         Literal(":path", path) + Literal(":authority", "localhost") +
         Literal("content-type", "application/grpc") +
         Literal("te", "trailers");
}

// A gRPC length-prefixed message (uncompressed).
std::string GrpcMessage(const std::string& bytes, int64_t claimed = -1) {
  uint32_t n = claimed >= 0 ? claimed : static_cast<uint32_t>(bytes.size());
  std::string out(1, '\0');
  for (int shift : {24, 16, 8, 0}) {
    out.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  return out + bytes;
}

const std::vector<std::string>& MethodPaths() {
  static const auto* paths = new std::vector<std::string>{
      "/archive.v1.Archive/Put",
      "/archive.v1.Archive/Get",
      "/archive.v1.Archive/History",
      "/archive.v1.Archive/List",
      "/archive.v1.Archive/GetStatement",
      "/archive.v1.Archive/GetCheckpoint",
      "/archive.v1.Archive/GetInclusionProof",
      "/archive.v1.Archive/GetConsistencyProof",
      "/archive.v1.Archive/ReadLog",
      "/archive.v1.Archive/GetBlob",
      "/archive.v1.Archive/Sync",
      "/archive.v1.Archive/Scrub",
  };
  return *paths;
}

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends what it can; the server may close first.
void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n =
        ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += n;
  }
}

// Reads whatever the server sends for up to `ms` milliseconds, or until it
// closes.
void Drain(int fd, int ms) {
  auto until = steady_clock::now() + std::chrono::milliseconds(ms);
  char buf[4096];
  while (steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10) <= 0) continue;
    if (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) return;
  }
}

// Closes normally, or with a TCP reset.
void Close(int fd, bool reset) {
  if (reset) {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  ::close(fd);
}

std::string RandomFrame(Rng& rng, bool truncate) {
  std::string payload = RandomBytes(rng, Uniform(rng, 0, 600));
  int64_t claimed = -1;
  if (truncate && !payload.empty()) {
    claimed = payload.size() + Uniform(rng, 1, 16000);
  }
  return Frame(static_cast<uint8_t>(Uniform(rng, 0, 12)),
               static_cast<uint8_t>(rng() & 0xFF),
               static_cast<uint32_t>(OneIn(rng, 3) ? 0 : rng() & 0x7FFFFFFF),
               payload, claimed);
}

// One hostile connection of a random kind. Returns the kind, for the tally.
int HostileConnection(int port, Rng& rng) {
  int fd = Connect(port);
  if (fd < 0) return -1;
  const int kind = static_cast<int>(Uniform(rng, 0, 8));
  std::string data;
  switch (kind) {
    case 0:  // junk
      data = RandomBytes(rng, Uniform(rng, 1, 4096));
      break;
    case 1:  // preface, then junk
      data = std::string(kPreface) + RandomBytes(rng, Uniform(rng, 1, 4096));
      break;
    case 2: {  // preface, SETTINGS, a HEADERS frame cut short
      std::string block = RandomBytes(rng, Uniform(rng, 1, 300));
      data = std::string(kPreface) + Settings() +
             Frame(0x1, 0x4, 1, block, block.size() + Uniform(rng, 1, 16000));
      break;
    }
    case 3: {  // preface, SETTINGS, HEADERS with junk HPACK, junk DATA
      data = std::string(kPreface) + Settings() +
             Frame(0x1, 0x4, 1, RandomBytes(rng, Uniform(rng, 1, 300))) +
             Frame(0x0, OneIn(rng, 2) ? 0x1 : 0x0, 1,
                   RandomBytes(rng, Uniform(rng, 0, 2000)));
      break;
    }
    case 4:  // abrupt: nothing, or half a preface, then a reset
      data = std::string(kPreface).substr(0, Uniform(rng, 0, 23));
      break;
    case 5: {  // preface, SETTINGS, random frames, the last maybe truncated
      data = std::string(kPreface) + Settings();
      int frames = static_cast<int>(Uniform(rng, 1, 20));
      for (int i = 0; i < frames; ++i) {
        data += RandomFrame(rng, i == frames - 1 && OneIn(rng, 2));
      }
      break;
    }
    case 6:  // HTTP/1.1
      data = "GET /archive.v1.Archive/Get HTTP/1.1\r\nHost: localhost\r\n\r\n";
      break;
    case 7: {  // odd SETTINGS, a PING flood, a zero WINDOW_UPDATE, RST_STREAM
      std::string settings;
      for (int i = 0; i < 6; ++i) {
        uint16_t id = static_cast<uint16_t>(Uniform(rng, 0, 10));
        uint32_t value = static_cast<uint32_t>(rng());
        settings.push_back(static_cast<char>(id >> 8));
        settings.push_back(static_cast<char>(id & 0xFF));
        for (int shift : {24, 16, 8, 0}) {
          settings.push_back(static_cast<char>((value >> shift) & 0xFF));
        }
      }
      data = std::string(kPreface) + Frame(0x4, 0, 0, settings);
      for (int i = 0; i < 200; ++i)
        data += Frame(0x6, 0, 0, RandomBytes(rng, 8));
      data += Frame(0x8, 0, 0, std::string(4, '\0'));
      data += Frame(0x3, 0, 7, std::string("\0\0\0\x08", 4));
      break;
    }
    case 8: {  // a real gRPC call whose message is cut short, then gone
      const std::string& path =
          MethodPaths()[Uniform(rng, 0, MethodPaths().size() - 1)];
      v1::PutRequest put;
      put.mutable_header()->set_document_id("cut-short");
      put.mutable_header()->set_sha256(std::string(64, 'a'));
      put.mutable_header()->set_size(1000);
      std::string first = put.SerializeAsString();
      std::string message =
          OneIn(rng, 2)
              ? GrpcMessage(first)
              : GrpcMessage(RandomBytes(rng, 10), Uniform(rng, 11, 1 << 20));
      data = std::string(kPreface) + Settings() +
             Frame(0x1, 0x4, 1, GrpcHeaders(path)) + Frame(0x0, 0, 1, message);
      break;
    }
  }
  SendAll(fd, data);
  if (OneIn(rng, 2)) Drain(fd, 30);
  Close(fd, kind == 4 || OneIn(rng, 3));
  return kind;
}

// ---------------------------------------------------------------- gRPC calls

// Sends `messages` as the raw request bodies of one call to `method`, reads
// whatever comes back, and reports the status.
class RawCall
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  RawCall(grpc::GenericStub* stub, const std::string* method,
          std::vector<std::string> messages,
          std::function<void(const grpc::Status&)> done)
      : messages_(std::move(messages)), done_(std::move(done)) {
    ctx_.set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(15));
    stub->PrepareBidiStreamingCall(&ctx_, *method, grpc::StubOptions(), this);
    StartRead(&in_);
    WriteNext();
    StartCall();
  }

  void OnWriteDone(bool ok) override {
    if (ok) WriteNext();
  }
  void OnReadDone(bool ok) override {
    if (ok) StartRead(&in_);
  }
  void OnDone(const grpc::Status& s) override {
    done_(s);
    delete this;
  }

 private:
  void WriteNext() {
    if (next_ == messages_.size()) {
      StartWritesDone();
      return;
    }
    grpc::Slice slice(messages_[next_++]);
    out_ = grpc::ByteBuffer(&slice, 1);
    StartWrite(&out_);
  }

  grpc::ClientContext ctx_;
  std::vector<std::string> messages_;
  size_t next_ = 0;
  grpc::ByteBuffer out_, in_;
  std::function<void(const grpc::Status&)> done_;
};

// What the archive holds, for requests that hit real data now and then.
struct Known {
  std::vector<std::string> documents, revisions, digests;
  uint64_t tree_size = 0;
};

class Generator {
 public:
  Generator(Rng& rng, const Known& known) : rng_(rng), known_(known) {}

  std::string String() {
    switch (Uniform(rng_, 0, 11)) {
      case 0:
        return "";
      case 1:
        return std::string(Uniform(rng_, 1, 70000), 'x');
      case 2:
        return Pick(known_.documents);
      case 3:
        return Pick(known_.revisions);
      case 4:
        return Sha256::HexDigest(RandomBytes(rng_, 8));
      case 5:
        return "第一条\n第二条\t\r\x01\x7f";
      case 6:
        return "../../keys/signing.pem";
      case 7:
        return absl::StrCat(Uint64());
      case 8:
        return std::string(Uniform(rng_, 1, 300), '\n');
      default: {
        std::string s(Uniform(rng_, 1, 80), ' ');
        for (char& c : s) c = static_cast<char>(Uniform(rng_, 0x20, 0x7E));
        return s;
      }
    }
  }

  uint64_t Uint64() {
    switch (Uniform(rng_, 0, 7)) {
      case 0:
        return 0;
      case 1:
        return 1;
      case 2:
        return UINT64_MAX;
      case 3:
        return UINT64_MAX - Uniform(rng_, 0, 3);
      case 4:
        return uint64_t{1} << Uniform(rng_, 0, 63);
      case 5:
        return known_.tree_size + Uniform(rng_, 0, 2) - 1;
      case 6:
        return Uniform(rng_, 0, known_.tree_size + 5);
      default:
        return rng_();
    }
  }
  uint32_t Uint32() { return static_cast<uint32_t>(Uint64()); }

  // A well-formed request for `method` (an index into MethodPaths()) with
  // random field values; for Put also chunks, and now and then a valid put.
  std::vector<std::string> WellFormed(size_t method) {
    switch (method) {
      case 0:
        return Put();
      case 1: {
        v1::GetRequest r;
        r.set_document_id(String());
        if (OneIn(rng_, 2)) r.set_revision_id(String());
        r.set_head(OneIn(rng_, 2));
        r.set_header_only(OneIn(rng_, 2));
        return {r.SerializeAsString()};
      }
      case 2: {
        v1::HistoryRequest r;
        r.set_document_id(String());
        r.set_page_size(Uint32());
        r.set_page_token(String());
        return {r.SerializeAsString()};
      }
      case 3: {
        v1::ListRequest r;
        r.set_region(String());
        r.set_issuer(String());
        r.set_number(String());
        if (OneIn(rng_, 2)) r.set_status(String());
        r.set_date_from(String());
        r.set_date_to(String());
        r.set_query(String());
        r.set_page_size(Uint32());
        r.set_page_token(String());
        return {r.SerializeAsString()};
      }
      case 4: {
        v1::GetStatementRequest r;
        r.set_revision_id(String());
        return {r.SerializeAsString()};
      }
      case 5:
        return {v1::GetCheckpointRequest().SerializeAsString()};
      case 6: {
        v1::GetInclusionProofRequest r;
        r.set_revision_id(String());
        r.set_tree_size(Uint64());
        return {r.SerializeAsString()};
      }
      case 7: {
        v1::GetConsistencyProofRequest r;
        r.set_old_size(Uint64());
        r.set_new_size(Uint64());
        return {r.SerializeAsString()};
      }
      case 8: {
        v1::ReadLogRequest r;
        r.set_start(Uint64());
        r.set_count(Uint64());
        r.set_tree_size(Uint64());
        return {r.SerializeAsString()};
      }
      case 9: {
        v1::GetBlobRequest r;
        r.set_sha256(OneIn(rng_, 3) ? Pick(known_.digests) : String());
        return {r.SerializeAsString()};
      }
      case 10: {
        // Nothing listens on port 1; random strings are mostly no address.
        v1::SyncRequest r;
        r.set_peer(OneIn(rng_, 3) ? "127.0.0.1:1" : String());
        return {r.SerializeAsString()};
      }
      default: {
        v1::ScrubRequest r;
        r.set_repair(OneIn(rng_, 2));
        for (uint64_t i = Uniform(rng_, 0, 3); i > 0; --i) {
          r.add_peers(OneIn(rng_, 2) ? "127.0.0.1:1" : String());
        }
        return {r.SerializeAsString()};
      }
    }
  }

  std::vector<std::string> Put() {
    v1::PutRequest header;
    v1::PutHeader* h = header.mutable_header();
    std::string content = RandomBytes(rng_, Uniform(rng_, 0, 3000));
    if (OneIn(rng_, 25)) {  // a valid put, so success paths run too
      h->set_document_id(absl::StrCat("garbage-", rng_() % 50));
      h->set_sha256(Sha256::HexDigest(content));
      h->set_size(content.size());
      h->mutable_metadata()->set_title(absl::StrCat("t", rng_() % 1000));
      v1::PutRequest chunk;
      chunk.set_chunk(content);
      return {header.SerializeAsString(), chunk.SerializeAsString()};
    }
    h->set_document_id(String());
    v1::Metadata* m = h->mutable_metadata();
    const google::protobuf::Descriptor* d = m->GetDescriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      if (!OneIn(rng_, 3)) continue;
      if (d->field(i)->type() ==
          google::protobuf::FieldDescriptor::TYPE_STRING) {
        m->GetReflection()->SetString(m, d->field(i), String());
      }
    }
    for (uint64_t i = OneIn(rng_, 4) ? Uniform(rng_, 1, 80) : 0; i > 0; --i) {
      v1::Relation* r = m->add_relations();
      r->set_kind(OneIn(rng_, 2) ? "repeals" : String());
      r->set_document_id(String());
    }
    h->set_sha256(OneIn(rng_, 2) ? Sha256::HexDigest(content) : String());
    h->set_size(OneIn(rng_, 2) ? content.size() : Uint64());
    for (uint64_t i = OneIn(rng_, 4) ? Uniform(rng_, 1, 40) : 0; i > 0; --i) {
      h->add_expected_parents(String());
    }
    if (OneIn(rng_, 4)) h->set_as_name(String());
    std::vector<std::string> messages = {header.SerializeAsString()};
    for (uint64_t i = Uniform(rng_, 0, 3); i > 0; --i) {
      v1::PutRequest chunk;
      if (OneIn(rng_, 5)) {
        *chunk.mutable_header() = header.header();  // a second header
      } else {
        chunk.set_chunk(OneIn(rng_, 2)
                            ? content
                            : RandomBytes(rng_, Uniform(rng_, 0, 65536)));
      }
      messages.push_back(chunk.SerializeAsString());
    }
    return messages;
  }

  // Bit flips, byte changes, insertions, deletions, truncation, duplication,
  // and huge varints.
  std::string Mutate(std::string s) {
    for (uint64_t n = Uniform(rng_, 1, 8); n > 0; --n) {
      size_t at = s.empty() ? 0 : Uniform(rng_, 0, s.size() - 1);
      switch (Uniform(rng_, 0, 6)) {
        case 0:
          if (!s.empty()) s[at] ^= static_cast<char>(1 << Uniform(rng_, 0, 7));
          break;
        case 1:
          if (!s.empty()) s[at] = static_cast<char>(rng_() & 0xFF);
          break;
        case 2:
          s.insert(at, RandomBytes(rng_, Uniform(rng_, 1, 16)));
          break;
        case 3:
          if (!s.empty()) s.erase(at, Uniform(rng_, 1, 16));
          break;
        case 4:
          s.resize(at);
          break;
        case 5:
          s.insert(at, s.substr(at, Uniform(rng_, 1, 64)));
          break;
        default:
          s.insert(at, std::string(Uniform(rng_, 1, 10), '\xff'));
          break;
      }
    }
    return s;
  }

  // One call's request bodies: random bytes, a mutated well-formed request,
  // or a well-formed one with random values; now and then none or several.
  std::vector<std::string> Messages(size_t method) {
    std::vector<std::string> messages;
    switch (Uniform(rng_, 0, 9)) {
      case 0:
      case 1:
      case 2:
        messages.push_back(RandomBytes(rng_, OneIn(rng_, 20)
                                                 ? Uniform(rng_, 0, 200000)
                                                 : Uniform(rng_, 0, 512)));
        break;
      case 3:
      case 4:
      case 5:
        for (std::string& m : WellFormed(method))
          messages.push_back(Mutate(std::move(m)));
        break;
      default:
        messages = WellFormed(method);
        break;
    }
    if (OneIn(rng_, 20)) messages.clear();
    if (OneIn(rng_, 20)) messages.push_back(RandomBytes(rng_, 64));
    return messages;
  }

 private:
  std::string Pick(const std::vector<std::string>& v) {
    return v.empty() ? std::string() : v[Uniform(rng_, 0, v.size() - 1)];
  }

  Rng& rng_;
  const Known& known_;
};

// Polls the health service on its own connection until stopped.
class HealthWatch {
 public:
  explicit HealthWatch(const std::string& address) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stub_ = grpc::health::v1::Health::NewStub(grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args));
    thread_ = std::thread([this] { Run(); });
  }
  ~HealthWatch() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool CheckNow() {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    auto start = steady_clock::now();
    grpc::Status s = stub_->Check(&ctx, req, &resp);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  steady_clock::now() - start)
                  .count();
    std::lock_guard<std::mutex> lock(mu_);
    ++checks_;
    max_ms_ = std::max<long>(max_ms_, ms);
    bool ok = s.ok() &&
              resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
    if (!ok) {
      ++failures_;
      last_failure_ = s.error_message();
    }
    return ok;
  }
  std::string Report() {
    std::lock_guard<std::mutex> lock(mu_);
    return absl::StrCat(checks_, " health checks, ", failures_,
                        " failed (last: ", last_failure_, "), slowest ",
                        max_ms_, " ms");
  }
  int failures() {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }
  int checks() {
    std::lock_guard<std::mutex> lock(mu_);
    return checks_;
  }

 private:
  void Run() {
    while (!stop_) {
      CheckNow();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  std::unique_ptr<grpc::health::v1::Health::Stub> stub_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  int checks_ = 0, failures_ = 0;
  long max_ms_ = 0;
  std::string last_failure_;
};

// Alive, not a zombie.
bool Alive(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat;
  std::getline(in, stat);
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         stat[paren + 2] != 'Z';
}

// A real put and get round trip.
void ExpectServing(ArchiveClient& client, const std::string& doc) {
  std::string text = absl::StrCat("still serving: ", doc, "\n");
  auto put = client.PutBytes(text, HeaderFor(doc, text));
  ASSERT_TRUE(put.ok()) << put.status();
  v1::GetRequest get;
  get.set_document_id(doc);
  std::string got;
  auto header = client.Get(get, [&](absl::string_view chunk) {
    got.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  });
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(got, text);
}

TEST(Garbage, RawBytesAndMalformedCallsLeaveTheServerServing) {
  const uint64_t seed = Seed();
  std::cout << "[ seed     ] GARBAGE_TEST_SEED=" << seed << "\n";
  auto server = TestServer::Start();
  ASSERT_TRUE(server->running());
  const int port = server->port();
  ArchiveClient client(ArchiveClient::Dial(server->address()));

  // Some real content, so that random requests sometimes hit it.
  Known known;
  for (int i = 0; i < 20; ++i) {
    std::string doc = absl::StrCat("real-", i % 7);
    std::string text = absl::StrCat("第", i, "条\n");
    auto put = client.PutBytes(text, HeaderFor(doc, text));
    ASSERT_TRUE(put.ok()) << put.status();
    known.documents.push_back(doc);
    known.revisions.push_back(put->revision_id());
    known.digests.push_back(Sha256::HexDigest(text));
  }
  known.tree_size = 20;
  const long rss_start = server->RssKb();
  HealthWatch health(server->address());
  const auto start = steady_clock::now();

  // Raw TCP: four threads of hostile connections.
  std::atomic<int> connections{0}, refused{0};
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        Rng rng(seed * 31 + t);
        for (int i = 0; i < kConnections / 4; ++i) {
          if (HostileConnection(port, rng) < 0) {
            ++refused;
          } else {
            ++connections;
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
  }
  EXPECT_EQ(refused, 0) << "connections refused: the server stopped listening";
  ASSERT_TRUE(Alive(server->pid())) << server->log();
  EXPECT_TRUE(health.CheckNow()) << health.Report();
  ASSERT_NO_FATAL_FAILURE(ExpectServing(client, "after-raw-tcp"));
  const long rss_after_tcp = server->RssKb();
  std::cout << "[ raw tcp  ] " << connections << " connections in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   steady_clock::now() - start)
                   .count()
            << " ms; RSS " << rss_start << " -> " << rss_after_tcp << " kB\n";

  // Malformed gRPC calls through the generic stub, kInFlight at a time.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxSendMessageSize(-1);
  args.SetMaxReceiveMessageSize(-1);
  auto channel = grpc::CreateCustomChannel(
      server->address(), grpc::InsecureChannelCredentials(), args);
  grpc::GenericStub stub(channel);
  Rng rng(seed);
  Generator generator(rng, known);
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0, finished = 0;
  long messages = 0;
  std::map<grpc::StatusCode, int> codes;
  long rss_middle = -1;
  const auto grpc_start = steady_clock::now();
  for (int i = 0; i < kCalls; ++i) {
    size_t method = i % MethodPaths().size();
    std::vector<std::string> bodies = generator.Messages(method);
    const std::string* path = &MethodPaths()[method];
    if (i % 997 == 0) {
      static const std::string kUnknown = "/archive.v1.Archive/NoSuchMethod";
      path = &kUnknown;
    }
    messages += bodies.size();
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return in_flight < kInFlight; });
      ++in_flight;
    }
    new RawCall(&stub, path, std::move(bodies), [&](const grpc::Status& s) {
      std::lock_guard<std::mutex> lock(mu);
      --in_flight;
      ++finished;
      ++codes[s.error_code()];
      cv.notify_all();
    });
    if (i == kCalls / 2) {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return in_flight == 0; });
      rss_middle = server->RssKb();
    }
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60),
                            [&] { return in_flight == 0; }))
        << in_flight << " calls never finished";
  }
  const long rss_end = server->RssKb();
  std::string tally;
  for (const auto& [code, n] : codes) tally += absl::StrCat(" ", code, ":", n);
  std::cout << "[ grpc     ] " << finished << " calls, " << messages
            << " messages in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   steady_clock::now() - grpc_start)
                   .count()
            << " ms; status codes" << tally << "\n"
            << "[ memory   ] RSS start " << rss_start << " kB, after raw TCP "
            << rss_after_tcp << " kB, middle " << rss_middle << " kB, end "
            << rss_end << " kB, peak " << server->PeakRssKb() << " kB\n";
  EXPECT_GE(messages, kCalls);
  EXPECT_EQ(finished, kCalls);

  // Still alive, healthy and serving; memory bounded.
  ASSERT_TRUE(Alive(server->pid())) << server->log();
  health.Stop();
  EXPECT_TRUE(health.CheckNow()) << health.Report();
  EXPECT_EQ(health.failures(), 0) << health.Report();
  EXPECT_GT(health.checks(), 10) << health.Report();
  std::cout << "[ health   ] " << health.Report() << "\n";
  ASSERT_NO_FATAL_FAILURE(ExpectServing(client, "after-grpc"));
  EXPECT_GT(rss_end, 0);
  EXPECT_LT(rss_end, kMaxRssKb) << "RSS end " << rss_end << " kB";
  EXPECT_LT(rss_end - rss_middle, kMaxGrowthKb)
      << "RSS grew from " << rss_middle << " kB to " << rss_end << " kB";
  // And it still shuts down cleanly.
  auto stop_start = steady_clock::now();
  EXPECT_EQ(server->Stop(), 0);
  auto stop_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     steady_clock::now() - stop_start)
                     .count();
  std::cout << "[ stop     ] clean stop in " << stop_ms << " ms\n";
  EXPECT_LT(stop_ms, 30000);
}

// Values a client sends come back in error messages and go into the request
// log. A huge one must not turn a plain refusal into a transport error (gRPC
// clients refuse trailers over 8 KiB: "received initial metadata size exceeds
// limit", RESOURCE_EXHAUSTED) nor flood the log.
TEST(Garbage, HugeValuesGetBoundedErrorsAndLogLines) {
  auto server = TestServer::Start();
  ASSERT_TRUE(server->running());
  ArchiveClient client(ArchiveClient::Dial(server->address()));
  const std::string text = "第一条\n";
  auto put = client.PutBytes(text, HeaderFor("real", text));
  ASSERT_TRUE(put.ok()) << put.status();
  const size_t log_before = server->log().size();
  const std::string huge(100000, 'x');

  std::vector<std::pair<std::string, absl::Status>> results;
  auto get = [&](const std::string& doc, const std::string& rev) {
    v1::GetRequest request;
    request.set_document_id(doc);
    request.set_revision_id(rev);
    return client.Get(request,
                      [](absl::string_view) { return absl::OkStatus(); });
  };
  results.emplace_back("Get document_id", get(huge, "").status());
  results.emplace_back("Get revision_id", get("real", huge).status());
  v1::HistoryRequest history;
  history.set_document_id(huge);
  results.emplace_back("History document_id", client.History(history).status());
  history.set_document_id("real");
  history.set_page_token(huge);
  results.emplace_back("History page_token", client.History(history).status());
  v1::ListRequest list;
  list.set_status(huge);
  results.emplace_back("List status", client.List(list).status());
  results.emplace_back("GetStatement", client.GetStatement(huge).status());
  results.emplace_back("GetInclusionProof",
                       client.GetInclusionProof(huge, 0).status());
  results.emplace_back("GetBlob", client.GetBlob(huge, [](absl::string_view) {
    return absl::OkStatus();
  }));
  results.emplace_back("Sync", client.Sync(huge).status());
  results.emplace_back("Put document_id",
                       client.PutBytes(text, HeaderFor(huge, text)).status());
  v1::PutHeader header = HeaderFor("real", text);
  header.add_expected_parents(huge);
  results.emplace_back("Put parent", client.PutBytes(text, header).status());
  header = HeaderFor("real", text);
  header.set_as_name(huge);
  results.emplace_back("Put as_name", client.PutBytes(text, header).status());
  header = HeaderFor("real", text);
  header.mutable_metadata()->set_title(std::string(5000, 'x'));
  results.emplace_back("Put title", client.PutBytes(text, header).status());

  for (const auto& [what, status] : results) {
    SCOPED_TRACE(what);
    EXPECT_FALSE(status.ok());
    EXPECT_NE(status.code(), absl::StatusCode::kResourceExhausted)
        << status.ToString().substr(0, 300);
    EXPECT_NE(status.code(), absl::StatusCode::kUnknown)
        << status.ToString().substr(0, 300);
    EXPECT_LT(status.message().size(), 2048u)
        << status.ToString().substr(0, 300);
  }
  std::string log = server->log().substr(log_before);
  EXPECT_LT(log.size(), 64u << 10)
      << "the request log grew by " << log.size() << " bytes for "
      << results.size() << " refused requests";
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    EXPECT_LE(line.size(), 8192u) << line.substr(0, 300);
  }
  ASSERT_NO_FATAL_FAILURE(ExpectServing(client, "after-huge-values"));
}

// The request log is an audit trail: a value in a request must not be able to
// start a line of its own or add fields to its line.
TEST(Garbage, RequestValuesCannotForgeAuditLines) {
  auto server = TestServer::Start();
  ASSERT_TRUE(server->running());
  ArchiveClient client(ArchiveClient::Dial(server->address()));
  const std::string forged =
      "nope\n2030-01-01T00:00:00Z Put id=admin doc=forged status=OK bytes=1 "
      "ms=0.0 peer=ipv4:10.0.0.1:1";
  const std::string spaced = "nope status=OK id=admin";
  for (const std::string& value : {forged, spaced}) {
    v1::GetRequest get;
    get.set_document_id(value);
    EXPECT_FALSE(
        client.Get(get, [](absl::string_view) { return absl::OkStatus(); })
            .ok());
    v1::HistoryRequest history;
    history.set_document_id(value);
    EXPECT_FALSE(client.History(history).ok());
    EXPECT_FALSE(
        client
            .GetBlob(value, [](absl::string_view) { return absl::OkStatus(); })
            .ok());
    EXPECT_FALSE(client.PutBytes("x", HeaderFor(value, "x")).ok());
    EXPECT_FALSE(client.Sync(value).ok());
  }
  std::string log = server->log();
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    EXPECT_FALSE(absl::StartsWith(line, "2030-")) << "forged line: " << line;
    if (absl::StartsWith(line, "archived:")) continue;
    // One each of the fields before the free-text error.
    absl::string_view fields = line.substr(0, line.find(" error=\""));
    for (const char* field : {" id=", " doc=", " status=", " bytes="}) {
      size_t first = fields.find(field);
      EXPECT_NE(first, absl::string_view::npos) << field << " in " << line;
      EXPECT_EQ(fields.find(field, first + 1), absl::string_view::npos)
          << "a second" << field << " in " << line;
    }
  }
  ASSERT_NO_FATAL_FAILURE(ExpectServing(client, "after-forgery"));
}

}  // namespace
}  // namespace archive::testing
