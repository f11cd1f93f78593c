// Load (issue 5): 64 concurrent clients, each with its own channel and
// connection, putting and getting for LOAD_TEST_SECONDS (default 30): no
// errors, no lost revision (every acknowledged revision is there after a clean
// restart, with identical bytes, in its document's history), and the server's
// memory stays flat (RSS after warm-up, half the run, vs at the end).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "archive/v1/archive.grpc.pb.h"
#include "clients/api/archive_client.h"
#include "storage/base/sha256.h"
#include "tests/integration/test_harness.h"

namespace archive::testing {
namespace {

using std::chrono::steady_clock;

constexpr int kLoadClients = 64;
constexpr int kDocsPerClient = 3;
constexpr long kLoadMaxGrowthKb = 64 * 1024;

int LoadSeconds() {
  const char* env = std::getenv("LOAD_TEST_SECONDS");
  int seconds = env != nullptr && *env ? std::atoi(env) : 30;
  return std::max(seconds, 2);
}

// A channel with its own TCP connection (channels to one target otherwise
// share one through gRPC's global subchannel pool).
std::shared_ptr<grpc::Channel> ConnectionOfItsOwn(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(8 << 20);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

// The content of client `c`'s `n`th put: mostly small, now and then several
// chunks.
std::string ClientContent(int c, int n) {
  std::mt19937_64 rng(static_cast<uint64_t>(c) * 1000003 + n);
  size_t size = rng() % 20 == 0 ? 300000 + rng() % 100000 : 1 + rng() % 16384;
  std::string s = absl::StrCat("client ", c, " put ", n, "\n");
  s.reserve(size);
  while (s.size() < size) s.push_back(static_cast<char>('a' + rng() % 26));
  return s;
}

struct AckedRevision {
  std::string revision_id, document, sha256;
  uint64_t size = 0;
};

absl::StatusOr<std::string> GetBytes(ArchiveClient& client,
                                     const v1::GetRequest& request,
                                     v1::GetHeader* header = nullptr) {
  std::string bytes;
  auto h = client.Get(request, [&](absl::string_view chunk) {
    bytes.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  });
  if (!h.ok()) return h.status();
  if (header != nullptr) *header = *h;
  return bytes;
}

class Errors {
 public:
  void Add(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (++count_ <= 20) first_.push_back(what);
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }
  std::string Report() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out = absl::StrCat(count_, " errors");
    for (const std::string& e : first_) out += "\n  " + e;
    return out;
  }

 private:
  std::mutex mu_;
  int count_ = 0;
  std::vector<std::string> first_;
};

// One client's loop: put a new revision of one of its documents (half of them
// conditional on the head it last saw), then get something back — its own
// revision by id, or another client's document — and check the bytes.
void RunClient(int c, const std::string& address, steady_clock::time_point end,
               std::vector<AckedRevision>* acked, Errors* errors,
               std::atomic<long>* gets) {
  ArchiveClient client(ConnectionOfItsOwn(address));
  std::mt19937_64 rng(c);
  std::map<std::string, std::string> heads;  // document -> last acked head
  for (int n = 0; steady_clock::now() < end; ++n) {
    std::string doc = absl::StrCat("load-", c, "-", n % kDocsPerClient);
    std::string content = ClientContent(c, n);
    v1::PutHeader header;
    header.set_document_id(doc);
    header.set_sha256(Sha256::HexDigest(content));
    header.set_size(content.size());
    header.mutable_metadata()->set_title(absl::StrCat("负载 ", c, " ", n));
    header.mutable_metadata()->set_status("in_force");
    header.mutable_metadata()->set_media_type("text/plain");
    if (rng() % 2 == 0 && heads.count(doc)) {
      header.add_expected_parents(heads[doc]);
    }
    auto put = client.PutBytes(content, header);
    if (!put.ok()) {
      errors->Add(absl::StrCat("client ", c, " put ", doc, ": ",
                               put.status().ToString()));
      continue;
    }
    if (!put->created()) {
      errors->Add(absl::StrCat("client ", c, " put ", doc, ": not created"));
    }
    heads[doc] = put->revision_id();
    acked->push_back({put->revision_id(), doc, header.sha256(), header.size()});

    v1::GetRequest get;
    std::string expect_sha;
    if (rng() % 2 == 0) {
      const AckedRevision& mine = (*acked)[rng() % acked->size()];
      get.set_document_id(mine.document);
      get.set_revision_id(mine.revision_id);
      expect_sha = mine.sha256;
    } else {
      get.set_document_id(absl::StrCat("load-", rng() % kLoadClients, "-",
                                       rng() % kDocsPerClient));
    }
    v1::GetHeader got_header;
    auto bytes = GetBytes(client, get, &got_header);
    if (!bytes.ok()) {
      // Another client's document may not exist yet.
      if (!expect_sha.empty() || !absl::IsNotFound(bytes.status())) {
        errors->Add(absl::StrCat("client ", c, " get ", get.document_id(), " ",
                                 get.revision_id(), ": ",
                                 bytes.status().ToString()));
      }
    } else {
      ++*gets;
      std::string sha = Sha256::HexDigest(*bytes);
      if (sha != got_header.revision().sha256() ||
          (!expect_sha.empty() && sha != expect_sha)) {
        errors->Add(absl::StrCat("client ", c, " get ", get.document_id(),
                                 ": bytes do not match the digest"));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 20));
  }
}

TEST(Load, SixtyFourClientsPutAndGetWithoutErrorsOrLoss) {
  const int seconds = LoadSeconds();
  // The 64 clients stand for 64 offices' archivists, but here they all connect
  // from 127.0.0.1, which counts as one client for --max_streams_per_client.
  TestServer::Options options;
  options.extra_flags = {
      absl::StrCat("--max_streams_per_client=", kLoadClients)};
  auto server = TestServer::Start(options);
  ASSERT_TRUE(server->running());

  Errors errors;
  std::atomic<long> gets{0};
  std::vector<std::vector<AckedRevision>> acked(kLoadClients);
  const auto start = steady_clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  std::vector<std::thread> clients;
  for (int c = 0; c < kLoadClients; ++c) {
    clients.emplace_back(RunClient, c, server->address(), end, &acked[c],
                         &errors, &gets);
  }
  // RSS after warm-up, then sampled until the end. The warm-up is half the
  // run: until then the server's memory climbs to a plateau as bounded pools
  // fill (two LevelDBs' block caches and write buffers, gRPC's and malloc's
  // per-thread pools). Measured alone for 60 s, RSS plateaued near 150 MB
  // after 20-25 s; a fifth of a 30 s run (6 s) measured the climb, and CI
  // failed on it with 68 MB of growth that was no leak. Over the second half
  // (about 12000 puts on 2 cores) a leak of 6 kB a put still fails the bound.
  std::this_thread::sleep_for(
      std::chrono::milliseconds(std::max(1000, seconds * 1000 / 2)));
  const long rss_warm = server->RssKb();
  long rss_max = rss_warm;
  std::string timeline;
  while (steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long rss = server->RssKb();
    rss_max = std::max(rss_max, rss);
    absl::StrAppend(&timeline, " ", rss / 1024);
  }
  std::cout << "[ rss MB   ]" << timeline << "\n";
  for (std::thread& t : clients) t.join();
  const long rss_end = server->RssKb();

  size_t total = 0;
  for (const auto& a : acked) total += a.size();
  std::cout << "[ load     ] " << kLoadClients << " clients, " << seconds
            << " s: " << total << " puts, " << gets << " gets; RSS after "
            << "warm-up " << rss_warm << " kB, max " << rss_max << " kB, end "
            << rss_end << " kB\n";
  EXPECT_EQ(errors.count(), 0) << errors.Report();
  EXPECT_GT(total, static_cast<size_t>(kLoadClients));
  EXPECT_GT(rss_warm, 0);
  EXPECT_LT(rss_end - rss_warm, kLoadMaxGrowthKb)
      << "RSS grew from " << rss_warm << " kB to " << rss_end << " kB";

  // Every acknowledged revision survives a clean restart, byte for byte.
  const auto check_start = steady_clock::now();
  ASSERT_EQ(server->Stop(), 0) << server->log();
  ASSERT_TRUE(server->Restart()) << server->log();
  std::cout << "[ restart  ] stopped and restarted in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   steady_clock::now() - check_start)
                   .count()
            << " ms\n";
  ArchiveClient client(ConnectionOfItsOwn(server->address()));
  auto cp = client.GetCheckpoint();
  ASSERT_TRUE(cp.ok()) << cp.status();
  EXPECT_EQ(cp->tree_size(), total);

  Errors lost;
  std::vector<std::thread> checkers;
  for (int t = 0; t < 4; ++t) {
    checkers.emplace_back([&, t] {
      ArchiveClient checker(ConnectionOfItsOwn(server->address()));
      for (int c = t; c < kLoadClients; c += 4) {
        std::map<std::string, std::set<std::string>> history;
        for (int d = 0; d < kDocsPerClient; ++d) {
          v1::HistoryRequest request;
          request.set_document_id(absl::StrCat("load-", c, "-", d));
          do {
            auto page = checker.History(request);
            if (!page.ok()) break;  // a document never put: nothing to find
            for (const v1::Revision& r : page->revisions()) {
              history[request.document_id()].insert(r.revision_id());
            }
            request.set_page_token(page->next_page_token());
          } while (!request.page_token().empty());
        }
        for (const AckedRevision& a : acked[c]) {
          if (!history[a.document].count(a.revision_id)) {
            lost.Add(absl::StrCat(a.revision_id,
                                  " missing from the history of ", a.document));
          }
          v1::GetRequest get;
          get.set_document_id(a.document);
          get.set_revision_id(a.revision_id);
          auto bytes = GetBytes(checker, get);
          if (!bytes.ok()) {
            lost.Add(absl::StrCat(a.document, " ", a.revision_id, ": ",
                                  bytes.status().ToString()));
          } else if (bytes->size() != a.size ||
                     Sha256::HexDigest(*bytes) != a.sha256) {
            lost.Add(absl::StrCat(a.document, " ", a.revision_id,
                                  ": different bytes"));
          }
        }
      }
    });
  }
  for (std::thread& t : checkers) t.join();
  std::cout << "[ verified ] " << total << " revisions in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   steady_clock::now() - check_start)
                   .count()
            << " ms\n";
  EXPECT_EQ(lost.count(), 0) << lost.Report();
}

// A revision becomes readable the moment the sequencer's write lands, and the
// checkpoint covering it is published just after. A Get of the head in between
// must still get a receipt (the product once answered INVALID_ARGUMENT "leaf
// index N is not below tree size M"). Writers keep moving one document's head
// while readers fetch it.
TEST(Load, GetOfAFreshHeadAlwaysHasAReceipt) {
  const int seconds = std::max(5, LoadSeconds() / 3);
  auto server = TestServer::Start();
  ASSERT_TRUE(server->running());
  Errors errors;
  std::atomic<long> puts{0}, gets{0};
  const auto end = steady_clock::now() + std::chrono::seconds(seconds);
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      ArchiveClient client(ConnectionOfItsOwn(server->address()));
      for (int n = 0; steady_clock::now() < end; ++n) {
        std::string content = absl::StrCat("writer ", w, " revision ", n, "\n");
        v1::PutHeader header;
        header.set_document_id("hot");
        header.set_sha256(Sha256::HexDigest(content));
        header.set_size(content.size());
        header.mutable_metadata()->set_status("in_force");
        auto put = client.PutBytes(content, header);
        if (!put.ok()) errors.Add("put: " + put.status().ToString());
        ++puts;
      }
    });
  }
  for (int r = 0; r < 12; ++r) {
    threads.emplace_back([&] {
      ArchiveClient client(ConnectionOfItsOwn(server->address()));
      while (steady_clock::now() < end) {
        v1::GetRequest get;
        get.set_document_id("hot");
        get.set_header_only(true);
        auto header =
            client.Get(get, [](absl::string_view) { return absl::OkStatus(); });
        if (header.ok()) {
          ++gets;
        } else if (!absl::IsNotFound(header.status())) {
          errors.Add("get: " + header.status().ToString());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::cout << "[ hot head ] " << puts << " puts, " << gets << " gets in "
            << seconds << " s\n";
  EXPECT_EQ(errors.count(), 0) << errors.Report();
}

}  // namespace
}  // namespace archive::testing
